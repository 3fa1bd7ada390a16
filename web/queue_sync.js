// Listening follows the user across devices: the web player saves its queue (the
// songs, the one playing and where in it) a few seconds after a change, at each pause
// and while playing, to /v1/me/player/queue, where Subsonic apps save theirs too
// (savePlayQueue). On start and at login it offers to continue where another device
// left off.
import { api, currentUser, sessionEvents } from './api.js';
import { formatTime, h, replace } from './dom.js';
import { isPlaying, playerEvents, playList, position, queue } from './player.js';

const DEVICE_KEY = 'tonearm.device';
const SAVE_AFTER_CHANGE_MS = 3000;
const SAVE_WHILE_PLAYING_MS = 15000;

// This browser's name in the queue's changed_by: "web" and a random tag, so that a
// queue this browser saved is not offered back to it.
export function deviceName() {
  let name = localStorage.getItem(DEVICE_KEY);
  if (!name) {
    name = `web ${Math.random().toString(36).slice(2, 8)}`;
    localStorage.setItem(DEVICE_KEY, name);
  }
  return name;
}

let timer = 0;
let lastSaved = '';

function snapshot() {
  const { songs, index } = queue();
  if (!songs.length || index < 0) return null;
  return {
    song_ids: songs.slice(0, 10000).map((s) => String(s.id)),
    current_song_id: String(songs[index].id),
    position_ms: Math.round(position() * 1000),
    device: deviceName(),
  };
}

async function save({ keepalive = false } = {}) {
  clearTimeout(timer);
  timer = 0;
  if (!currentUser()) return;
  const body = snapshot();
  if (!body) return;
  const key = JSON.stringify(body);
  if (key === lastSaved) return;
  try {
    if (keepalive) {
      // The page is going away: a request that outlives it, with the token by hand.
      const session = JSON.parse(localStorage.getItem('tonearm.session') || 'null');
      fetch('/v1/me/player/queue', {
        method: 'PUT', keepalive: true, body: key,
        headers: { 'Content-Type': 'application/json', ...(session ? { Authorization: `Bearer ${session.token}` } : {}) },
      }).catch(() => {});
    } else {
      await api('/v1/me/player/queue', { method: 'PUT', body });
    }
    lastSaved = key;
  } catch {
    // The next change or the next interval tries again.
  }
}

function saveSoon(ms = SAVE_AFTER_CHANGE_MS) {
  clearTimeout(timer);
  timer = setTimeout(save, ms);
}

function deviceLabel(changedBy) {
  return changedBy.startsWith('web ') ? 'another browser' : changedBy;
}

// Shows "Continue where you left off" when another device saved the queue last and
// nothing plays here yet.
export async function offerResume() {
  const box = document.getElementById('resume');
  if (!currentUser() || !box) return;
  let q;
  try {
    q = await api('/v1/me/player/queue');
  } catch {
    return;
  }
  if (!q?.songs?.length || !q.current_song_id || !q.changed_by || q.changed_by === deviceName()) return;
  if (queue().songs.length) return;
  const index = q.songs.findIndex((s) => String(s.id) === q.current_song_id);
  if (index < 0) return;
  const song = q.songs[index];
  replace(box,
    h('span', { class: 'msg' }, `Continue where you left off on ${deviceLabel(q.changed_by)}: `,
      h('strong', { text: song.title }), ` by ${song.author?.name ?? 'unknown'}, at ${formatTime(q.position_ms / 1000)}.`),
    h('button', { type: 'button', class: 'primary', id: 'resume-play', onclick: () => {
      replace(box);
      playList(q.songs, index, { startAt: q.position_ms / 1000 });
    } }, 'Continue'),
    h('button', { type: 'button', class: 'icon-button', 'aria-label': 'Dismiss', onclick: () => replace(box) }, '✕'));
}

export function initQueueSync() {
  deviceName();
  playerEvents.addEventListener('songchange', () => {
    replace(document.getElementById('resume'));  // playing something here answers the offer
    saveSoon();
  });
  playerEvents.addEventListener('state', (e) => { if (!e.detail.playing) saveSoon(500); });
  setInterval(() => { if (isPlaying()) save(); }, SAVE_WHILE_PLAYING_MS);
  window.addEventListener('pagehide', () => save({ keepalive: true }));
  sessionEvents.addEventListener('change', (e) => {
    if (e.detail.reason === 'login') offerResume();
    if (!e.detail.user) replace(document.getElementById('resume'));
  });
  offerResume();
}
