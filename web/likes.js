// Likes: which songs the user likes, as the heart buttons of every song list show it.
// Shared by songlist.js (the hearts) and library.js (the liked songs view).
import { api, currentUser, sessionEvents } from './api.js';
import { reportError, showInfo, showError } from './status.js';

const liked = new Set();
const known = new Set();    // ids whose state the server told us (liked or not) since the last page change
const touched = new Map();  // id -> how many times this page liked or unliked it
let epoch = 0;              // moves on login, logout and reload of the likes: older answers are dropped

// A page change asks again: a like made on another device shows on the next list.
window.addEventListener('hashchange', () => known.clear());

export function isLiked(id) {
  return liked.has(id);
}

// Loads the newest liked songs (a first guess for the hearts; checkLikes is exact).
export async function loadLikes() {
  liked.clear();
  known.clear();
  const mine = ++epoch;
  if (!currentUser()) return;
  const before = new Map(touched);
  try {
    const page = await api('/v1/me/library/songs', { query: { limit: 50 } });
    if (mine !== epoch) return;
    for (const item of page.items) {
      const id = item.song.id;
      if ((touched.get(id) ?? 0) !== (before.get(id) ?? 0)) continue; // liked or unliked here meanwhile
      liked.add(id);
      known.add(id);
    }
  } catch (err) {
    reportError(err, 'Could not load your liked songs');
  }
}

// Asks the server which of `ids` the user likes (50 per request, each id once per
// session), however long the liked list is. Failures leave the hearts as they are.
export async function checkLikes(ids) {
  if (!currentUser()) return;
  const todo = [...new Set(ids)].filter((id) => !known.has(id));
  const mine = epoch;
  for (let i = 0; i < todo.length; i += 50) {
    const chunk = todo.slice(i, i + 50);
    const sent = chunk.map((id) => touched.get(id) ?? 0);
    let answer;
    try {
      answer = await api('/v1/me/library/songs/contains', { query: { ids: chunk.join(',') } });
    } catch {
      return;
    }
    if (mine !== epoch) return; // another user, or the likes were reloaded
    chunk.forEach((id, k) => {
      if ((touched.get(id) ?? 0) !== sent[k]) return; // the user's click is newer than this answer
      known.add(id);
      if (answer[k]) liked.add(id); else liked.delete(id);
    });
  }
}

sessionEvents.addEventListener('change', () => {
  epoch += 1;
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
  touched.set(song.id, (touched.get(song.id) ?? 0) + 1);
  showInfo(now ? `Added "${song.title}" to your liked songs.` : `Removed "${song.title}" from your liked songs.`);
  return now;
}

// Songs the server just listed as liked (the liked songs view).
export function markLiked(ids) {
  for (const id of ids) { liked.add(id); known.add(id); }
}
