// The "Liked songs" view (the liked state itself is in likes.js).
import { api, currentUser } from './api.js';
import { h, replace } from './dom.js';
import { reportError } from './status.js';
import { songList } from './songlist.js';
import { markLiked } from './likes.js';
import { openAddToPlaylist } from './playlists.js';

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
    markLiked(songs.map((s) => s.id));
    replace(body, songs.length
      ? songList(songs, { label: 'Liked songs', onAdd: openAddToPlaylist })
      : h('p', { class: 'empty', text: 'No liked songs yet. Press the heart next to a song to keep it here.' }));
    body.className = '';
  } catch (err) {
    replace(body, h('p', { class: 'empty', text: 'Could not load your liked songs.' }));
    body.className = '';
    reportError(err, 'Could not load your liked songs');
  }
}
