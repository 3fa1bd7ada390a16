// Liked songs: the set of liked ids (for the heart buttons) and the "Liked songs" view.
import { api, currentUser, sessionEvents } from './api.js';
import { h, replace } from './dom.js';
import { reportError, showInfo, showError } from './status.js';
import { songList } from './songlist.js';

const liked = new Set();
const known = new Set(); // ids whose state the server told us (liked or not)

export function isLiked(id) {
  return liked.has(id);
}

// Loads the newest liked songs (a first guess for the hearts; checkLikes is exact).
export async function loadLikes() {
  liked.clear();
  known.clear();
  if (!currentUser()) return;
  try {
    const page = await api('/v1/me/library/songs', { query: { limit: 50 } });
    for (const item of page.items) { liked.add(item.song.id); known.add(item.song.id); }
  } catch (err) {
    reportError(err, 'Could not load your liked songs');
  }
}

// Asks the server which of `ids` the user likes (50 per request, each id once per
// session), however long the liked list is. Failures leave the hearts as they are.
export async function checkLikes(ids) {
  if (!currentUser()) return;
  const todo = [...new Set(ids)].filter((id) => !known.has(id));
  for (let i = 0; i < todo.length; i += 50) {
    const chunk = todo.slice(i, i + 50);
    let answer;
    try {
      answer = await api('/v1/me/library/songs/contains', { query: { ids: chunk.join(',') } });
    } catch {
      return;
    }
    chunk.forEach((id, k) => {
      known.add(id);
      if (answer[k]) liked.add(id); else liked.delete(id);
    });
  }
}

sessionEvents.addEventListener('change', () => {
  if (!currentUser()) { liked.clear(); known.clear(); }
});

// Likes or unlikes; returns the new state, or null when it failed (and says why).
export async function toggleLike(song) {
  if (!currentUser()) {
    showError('Please log in to like songs.', { action: { href: '#/account', label: 'Log in' } });
    return null;
  }
  const now = !liked.has(song.id);
  try {
    await api(`/v1/me/library/songs/${song.id}`, { method: now ? 'PUT' : 'DELETE' });
  } catch (err) {
    reportError(err, now ? 'Could not like the song' : 'Could not unlike the song');
    return null;
  }
  if (now) liked.add(song.id); else liked.delete(song.id);
  known.add(song.id);
  showInfo(now ? `Added "${song.title}" to your liked songs.` : `Removed "${song.title}" from your liked songs.`);
  return now;
}

export async function renderLiked(main) {
  replace(main, h('h1', { text: 'Liked songs' }));
  if (!currentUser()) {
    main.append(h('p', {}, h('a', { href: '#/account', text: 'Log in' }), ' to see the songs you like.'));
    return;
  }
  const body = h('div', { class: 'loading', text: 'Loading…' });
  main.append(body);
  try {
    const songs = [];
    for (let offset = 0; offset < 1000; offset += 50) {
      const page = await api('/v1/me/library/songs', { query: { limit: 50, offset } });
      songs.push(...page.items.map((i) => i.song));
      if (!page.next) break;
    }
    for (const s of songs) { liked.add(s.id); known.add(s.id); }
    replace(body, songs.length
      ? songList(songs, { label: 'Liked songs' })
      : h('p', { class: 'empty', text: 'No liked songs yet. Press the heart next to a song to keep it here.' }));
    body.className = '';
  } catch (err) {
    replace(body, h('p', { class: 'empty', text: 'Could not load your liked songs.' }));
    body.className = '';
    reportError(err, 'Could not load your liked songs');
  }
}
