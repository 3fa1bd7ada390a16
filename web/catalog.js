// An artist's page (their picture, top songs, albums with their covers) and an album's
// page (its cover, tracks in order).
import { api } from './api.js';
import { h, replace, year } from './dom.js';
import { songList } from './songlist.js';
import { coverImage } from './covers.js';
import { openAddToPlaylist } from './playlists.js';
import { playList } from './player.js';
import { reportError, messageFor } from './status.js';

async function load(main, title, path, fill) {
  replace(main, h('h1', { text: title }), h('p', { class: 'loading', text: 'Loading…' }));
  try {
    fill(await api(path));
  } catch (err) {
    replace(main, h('h1', { text: title }), h('p', { class: 'empty', text: messageFor(err, `Could not load this ${title.toLowerCase()}`) }));
    reportError(err, `Could not load this ${title.toLowerCase()}`);
  }
}

export function renderAuthor(main, params, id) {
  return load(main, 'Artist', `/v1/authors/${id}`, (a) => {
    const facts = [a.country, a.status, a.date_of_birth && `born ${a.date_of_birth}`,
      `${a.play_count ?? 0} plays`].filter(Boolean).join(' · ');
    replace(main,
      h('header', { class: 'page-head with-cover' },
        // The author's picture: the cover of their most played album that has one.
        coverImage(a, { size: 300, cls: 'page-cover round', alt: `Cover art for ${a.name}`, lazy: false }),
        h('div', { class: 'page-head-text' },
          h('p', { class: 'kicker', text: 'Artist' }),
          h('h1', { text: a.name }),
          h('p', { class: 'page-meta', text: facts }),
          a.top_songs?.length ? h('button', { type: 'button', class: 'primary', onclick: () => playList(a.top_songs, 0) }, 'Play top songs') : null)),
      h('h2', { text: 'Top songs' }),
      a.top_songs?.length ? songList(a.top_songs, { label: `Top songs of ${a.name}`, onAdd: openAddToPlaylist }) : h('p', { class: 'empty', text: 'No songs yet.' }),
      h('h2', { text: 'Albums' }),
      a.albums?.length
        ? h('ul', { class: 'card-list album-cards', 'aria-label': `Albums of ${a.name}` }, a.albums.map((al) => h('li', {},
          h('a', { class: 'card', href: `#/album/${al.id}`, 'data-nav': true },
            coverImage(al, { size: 300, cls: 'card-cover', alt: `Cover of ${al.title}` }),
            h('span', { class: 'card-title', text: al.title }),
            h('span', { class: 'card-meta', text: [year(al.release_date), `${al.track_count} tracks`].filter(Boolean).join(' · ') })))))
        : h('p', { class: 'empty', text: 'No albums.' }));
  });
}

export function renderAlbum(main, params, id) {
  return load(main, 'Album', `/v1/albums/${id}`, (al) => {
    replace(main,
      h('header', { class: 'page-head with-cover' },
        coverImage(al, { size: 300, cls: 'page-cover', alt: `Cover of ${al.title}`, lazy: false }),
        h('div', { class: 'page-head-text' },
          h('p', { class: 'kicker', text: 'Album' }),
          h('h1', { text: al.title }),
          h('p', { class: 'page-meta' },
            al.author ? h('a', { href: `#/author/${al.author.id}`, text: al.author.name }) : null,
            [year(al.release_date), `${al.track_count} tracks`].filter(Boolean).map((t) => ` · ${t}`).join('')),
          al.tracks?.length ? h('button', { type: 'button', class: 'primary', onclick: () => playList(al.tracks, 0) }, 'Play album') : null)),
      al.tracks?.length ? songList(al.tracks, { label: `Tracks of ${al.title}`, onAdd: openAddToPlaylist, rank: (i) => String(al.tracks[i].track_number ?? i + 1) })
        : h('p', { class: 'empty', text: 'No tracks.' }));
  });
}
