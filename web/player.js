// The audio player: one <audio> element on the range-streaming endpoint, a queue
// (the list a song was started from), and the now-playing bar's controls.
// Seeking just sets audio.currentTime: the browser then asks for the bytes it lacks
// with a Range request, so a seek never downloads the whole file. A stream cut mid-song
// (its instance died) is asked again the same way by the browser itself, from the
// first byte it lacks, and the balancer sends that to another instance
// (tests/cluster/playback): the player has nothing to do there.
import { api, getSession } from './api.js';
import { formatTime, replace } from './dom.js';
import { icon } from './icons.js';
import { showError } from './status.js';
import { gainFor, playableCodecs, playbackSettings, settingsEvents } from './settings.js';

const VOLUME_KEY = 'tonearm.volume';

// Who shows the current song (lists highlight it) listens here: 'songchange', 'state'.
export const playerEvents = new EventTarget();

const state = {
  queue: [],     // songs
  index: -1,     // position of the current song in queue
  seeking: false, // the user is dragging the seek bar
  triedToken: false, // the current song was retried with ?access_token=
  needsToken: false, // the server answered 401 to an anonymous stream (anonymous_access off)
  loads: 0,      // songs loaded so far (each load is one play when it starts playing)
  reported: 0,   // the load whose play start was reported
};

let audio, els;
// Volume normalization: <audio> -> GainNode -> speakers, made on the first play (an
// AudioContext needs a user gesture). Null where Web Audio is missing: no normalization.
let audioGraph = null;

export function initPlayer() {
  audio = document.getElementById('audio');
  els = {
    bar: document.getElementById('player'),
    title: document.getElementById('np-title'),
    cover: document.getElementById('np-cover'),
    artist: document.getElementById('np-artist'),
    play: document.getElementById('play'),
    prev: document.getElementById('prev'),
    next: document.getElementById('next'),
    seek: document.getElementById('seek'),
    current: document.getElementById('time-current'),
    total: document.getElementById('time-total'),
    mute: document.getElementById('mute'),
    volume: document.getElementById('volume'),
  };
  replace(els.prev, icon('prev'));
  replace(els.next, icon('next'));

  els.play.addEventListener('click', togglePlay);
  els.prev.addEventListener('click', previous);
  els.next.addEventListener('click', next);

  // While dragging ('input') only the time label follows; the seek happens on 'change'
  // (release, or each arrow key press), so a drag costs one Range request, not dozens.
  els.seek.addEventListener('input', () => {
    state.seeking = true;
    els.current.textContent = formatTime(Number(els.seek.value));
  });
  els.seek.addEventListener('change', () => {
    state.seeking = false;
    seekTo(Number(els.seek.value));
  });

  const saved = Number(localStorage.getItem(VOLUME_KEY));
  audio.volume = Number.isFinite(saved) && localStorage.getItem(VOLUME_KEY) !== null ? Math.min(1, Math.max(0, saved)) : 0.8;
  els.volume.value = String(audio.volume);
  els.volume.addEventListener('input', () => {
    audio.volume = Number(els.volume.value);
    audio.muted = audio.volume === 0;
    localStorage.setItem(VOLUME_KEY, String(audio.volume));
  });
  els.mute.addEventListener('click', () => { audio.muted = !audio.muted; });

  audio.addEventListener('play', renderPlayState);
  audio.addEventListener('pause', renderPlayState);
  audio.addEventListener('volumechange', renderVolume);
  audio.addEventListener('timeupdate', renderTime);
  audio.addEventListener('durationchange', renderTime);
  audio.addEventListener('loadedmetadata', renderTime);
  audio.addEventListener('ended', () => { if (state.index < state.queue.length - 1) next(); });
  audio.addEventListener('error', onAudioError);
  audio.addEventListener('playing', () => {
    state.triedToken = false;
    reportPlay();
  });

  if ('mediaSession' in navigator) {
    const ms = navigator.mediaSession;
    ms.setActionHandler('play', () => audio.play());
    ms.setActionHandler('pause', () => audio.pause());
    ms.setActionHandler('previoustrack', previous);
    ms.setActionHandler('nexttrack', next);
    try { ms.setActionHandler('seekto', (d) => seekTo(d.seekTime)); } catch { /* older browsers */ }
  }
  // A new quality reloads the current song where it was; a new gain applies at once.
  settingsEvents.addEventListener('change', () => {
    if (currentSong() && !audio.currentSrc.includes(qualityQuery())) reloadSource();
    applyGain();
  });
  renderPlayState();
  renderVolume();
  renderSong();
}

export function currentSong() {
  return state.queue[state.index] ?? null;
}

export function queue() {
  return { songs: state.queue.slice(), index: state.index };
}

// Where in the current song playback is (seconds).
export function position() {
  return audio && Number.isFinite(audio.currentTime) ? audio.currentTime : 0;
}

export function isPlaying() {
  return Boolean(audio && !audio.paused);
}

// Plays songs[index] (from `startAt` seconds) and makes `songs` the queue for next / previous.
export function playList(songs, index = 0, { startAt = 0 } = {}) {
  if (!songs.length) return;
  state.queue = songs.slice();
  load(Math.max(0, Math.min(index, songs.length - 1)), { startAt });
}

export function togglePlay() {
  if (!currentSong()) return;
  if (audio.paused) play(); else audio.pause();
}

export function next() {
  if (state.index < state.queue.length - 1) load(state.index + 1);
}

// Back to the previous song; the first song of the queue starts over.
export function previous() {
  if (state.index > 0) load(state.index - 1);
  else if (currentSong()) seekTo(0);
}

export function seekTo(seconds) {
  if (!currentSong() || !Number.isFinite(seconds)) return;
  const duration = Number.isFinite(audio.duration) ? audio.duration : currentSong().duration_ms / 1000;
  audio.currentTime = Math.max(0, Math.min(seconds, Math.max(0, duration - 0.1)));
  renderTime();
}

export function seekBy(delta) {
  if (currentSong()) seekTo(audio.currentTime + delta);
}

function load(index, { withToken = false, startAt = 0 } = {}) {
  state.index = index;
  state.loads += 1;
  const song = currentSong();
  // No token in the URL unless the server asks for one (anonymous access off): a
  // token in a media URL is less private, and a stale one would turn a playable song into a 401.
  const token = withToken || state.needsToken ? getSession()?.token : null;
  state.triedToken = Boolean(token);
  audio.src = streamUrl(song, token);
  // Continuing where another device stopped: once the length is known, seek there
  // (a Range request from that byte, not the whole file).
  if (startAt > 0) audio.addEventListener('loadedmetadata', () => { audio.currentTime = startAt; }, { once: true });
  renderSong();
  applyGain();
  play();
}

// quality=...&codecs=...: the server picks the best version this browser plays.
function qualityQuery() {
  const params = new URLSearchParams({ quality: playbackSettings().quality });
  const codecs = playableCodecs();
  if (codecs.length) params.set('codecs', codecs.join(','));
  return params.toString();
}

function streamUrl(song, token) {
  const url = `${song.stream_url}?${qualityQuery()}`;
  return token ? `${url}&access_token=${encodeURIComponent(token)}` : url;
}

// The same song in another quality, from where it was (and playing if it was): not a
// new play, and the seek is one Range request into the new version.
function reloadSource() {
  const song = currentSong();
  const at = audio.currentTime || 0;
  const wasPlaying = !audio.paused;
  audio.src = streamUrl(song, state.triedToken ? getSession()?.token : null);
  audio.addEventListener('loadedmetadata', () => { audio.currentTime = at; renderTime(); }, { once: true });
  if (wasPlaying) play();
}

function applyGain() {
  const db = gainFor(currentSong());
  els.bar.dataset.gainDb = String(db);
  if (audioGraph) audioGraph.gain.gain.value = 10 ** (db / 20);
}

// Built on the first play (a user gesture): from then on the <audio> element sounds
// only through the context, so it must be running whenever audio plays.
function ensureAudioGraph() {
  if (audioGraph || !window.AudioContext) return;
  try {
    const context = new AudioContext();
    const source = context.createMediaElementSource(audio);
    const gain = context.createGain();
    source.connect(gain).connect(context.destination);
    audioGraph = { context, gain };
    applyGain();
  } catch {
    audioGraph = null;  // the element still plays, unnormalized
  }
}

// A song that starts playing counts as a play: the server is told once per load.
// Behind an edge cache the stream itself seldom reaches the server, so this report is
// what counts (the server counts a play once per listener however it learns of it).
// Losing one is harmless: nothing to tell the listener.
function reportPlay() {
  const song = currentSong();
  if (!song || state.reported === state.loads) return;
  state.reported = state.loads;
  api(`/v1/songs/${song.id}/plays`, { method: 'POST' }).catch(() => {});
}

function play() {
  ensureAudioGraph();
  if (audioGraph?.context.state === 'suspended') audioGraph.context.resume().catch(() => {});
  audio.play().catch((err) => {
    // Aborted by a newer load: nothing to say. Refused autoplay: the play button is there.
    if (err.name === 'AbortError') return;
    if (err.name === 'NotAllowedError') {
      showError('The browser blocked autoplay; press Play to start.');
      return;
    }
    // NotSupportedError and friends are reported by the 'error' event handler.
  });
}

// <audio> does not tell why a load failed; ask the server with a HEAD of the same URL
// (no Authorization header, like the media request) to say something useful.
async function onAudioError() {
  const song = currentSong();
  if (!song || !audio.error) return;
  const index = state.index;
  let status = 0;
  try {
    status = (await fetch(audio.currentSrc || song.stream_url, { method: 'HEAD', cache: 'no-store' })).status;
  } catch {
    status = 0;
  }
  if (state.index !== index) return; // the user moved on meanwhile
  if (status === 0) {
    showError("Can't reach the server to stream this song. Check your connection or that Tonearm is running.");
  } else if (status === 401 && getSession() && !state.triedToken) {
    state.needsToken = true; // this server streams only to signed-in users
    load(index, { withToken: true });
    return;
  } else if (status === 401) {
    // Either nobody is logged in, or the token in the URL is no longer valid.
    showError(getSession() ? 'Your session expired, please log in again.' : 'This server needs an account to play music; please log in.',
      { action: { href: '#/account', label: 'Log in' } });
  } else if (status === 404) {
    showError(`"${song.title}" is no longer available.`);
  } else if (status >= 500) {
    showError(`The server could not stream "${song.title}" (error ${status}). Try again shortly.`);
  } else {
    showError(`This browser can't play "${song.title}" (${song.mime_type || 'unknown format'}).`);
  }
  renderPlayState();
}

function renderSong() {
  const song = currentSong();
  els.bar.classList.toggle('idle', !song);
  els.title.textContent = song ? song.title : 'Nothing playing';
  els.artist.textContent = song ? [song.author?.name, song.album?.title].filter(Boolean).join(' — ') : 'Pick a song to start';
  els.prev.disabled = !song;
  els.next.disabled = !song || state.index >= state.queue.length - 1;
  els.play.disabled = !song;
  els.seek.disabled = !song;
  // The cover in the bar; hidden when the song has none (or it does not load).
  els.cover.hidden = !song?.cover_url;
  if (song?.cover_url) els.cover.src = `${song.cover_url}?size=64`;
  else els.cover.removeAttribute('src');
  els.cover.onerror = () => { els.cover.hidden = true; };
  if (song) {
    document.title = `${song.title} · ${song.author?.name ?? ''} · Tonearm`;
    if ('mediaSession' in navigator && 'MediaMetadata' in window) {
      const artwork = song.cover_url
        ? [300, 640].map((size) => ({ src: new URL(`${song.cover_url}?size=${size}`, location.href).href, sizes: `${size}x${size}`, type: 'image/jpeg' }))
        : [];
      navigator.mediaSession.metadata = new MediaMetadata({
        title: song.title, artist: song.author?.name ?? '', album: song.album?.title ?? '', artwork,
      });
    }
  }
  renderTime();
  playerEvents.dispatchEvent(new CustomEvent('songchange', { detail: { song, index: state.index } }));
}

function renderPlayState() {
  const playing = !audio.paused;
  replace(els.play, icon(playing ? 'pause' : 'play'));
  els.play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
  els.bar.classList.toggle('playing', playing);
  playerEvents.dispatchEvent(new CustomEvent('state', { detail: { playing } }));
}

function renderVolume() {
  const muted = audio.muted || audio.volume === 0;
  replace(els.mute, icon(muted ? 'muted' : 'volume'));
  els.mute.setAttribute('aria-label', muted ? 'Unmute' : 'Mute');
  els.mute.setAttribute('aria-pressed', String(muted));
}

function renderTime() {
  const song = currentSong();
  const duration = Number.isFinite(audio.duration) ? audio.duration : (song ? song.duration_ms / 1000 : 0);
  els.seek.max = String(duration || 0);
  els.total.textContent = formatTime(duration);
  if (state.seeking) return; // don't yank the thumb from under the user's finger
  els.seek.value = String(audio.currentTime || 0);
  els.current.textContent = formatTime(audio.currentTime);
  els.seek.setAttribute('aria-valuetext', `${formatTime(audio.currentTime)} of ${formatTime(duration)}`);
  // The played part of the track, drawn by CSS through a custom property.
  els.seek.style.setProperty('--progress', duration ? `${(100 * (audio.currentTime || 0)) / duration}%` : '0%');
}
