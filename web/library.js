// Liked songs: the set of liked ids (for the heart buttons) and the "Liked songs" view.
import { api, currentUser, sessionEvents } from './api.js';
import { h, replace } from './dom.js';
import { reportError, showInfo, showError } from './status.js';
import { songList } from './songlist.js';

const liked = new Set();

export function isLiked(id) {
  return liked.has(id);
}

// Loads the ids of the user's liked songs (up to a few pages; enough for the hearts).
export async function loadLikes() {
  liked.clear();
  if (!currentUser()) return;
  try {
    for (let offset = 0; offset < 500; offset += 50) {
      const page = await api('/v1/me/library/songs', { query: { limit: 50, offset } });
      for (const item of page.items) liked.add(item.song.id);
      if (!page.next) break;
    }
  } catch (err) {
    reportError(err, 'Could not load your liked songs');
  }
}

sessionEvents.addEventListener('change', () => {
  if (!currentUser()) liked.clear();
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
    for (const s of songs) liked.add(s.id);
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
