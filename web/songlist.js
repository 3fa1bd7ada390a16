// One song list (search results, charts, playlists, liked songs, albums): each row has
// a play button (playing it makes the whole list the queue), links to the artist and
// album, a like button, an add-to-playlist button when the caller gives `onAdd`, plus
// the caller's extra actions. It imports no view module (views import it).
import { h, formatTime, year } from './dom.js';
import { icon } from './icons.js';
import { coverImage } from './covers.js';
import { currentSong, playList } from './player.js';
import { isLiked, toggleLike, checkLikes } from './likes.js';

// songList(songs, {label, extra(song, i) -> [elements], rank(i), onAdd(button, song)})
export function songList(songs, opts = {}) {
  const list = h('ol', { class: 'song-list', 'aria-label': opts.label || 'Songs' });
  songs.forEach((song, i) => list.append(songRow(songs, i, opts)));
  markPlaying(list);
  // The hearts as the server knows them, once it answers.
  checkLikes(songs.map((s) => s.id)).then(() => {
    for (const button of list.querySelectorAll('.song-row button.like')) {
      const song = songs[Number(button.dataset.index)];
      if (song) setHeart(button, song, isLiked(song.id));
    }
  });
  return list;
}

function setHeart(button, song, on) {
  button.setAttribute('aria-pressed', String(on));
  button.setAttribute('aria-label', `${on ? 'Unlike' : 'Like'} ${song.title}`);
  button.title = on ? 'Remove from liked songs' : 'Add to liked songs';
}

function songRow(songs, i, opts) {
  const song = songs[i];
  const by = song.author?.name ?? 'Unknown artist';
  const meta = [];
  if (song.author) meta.push(h('a', { href: `#/author/${song.author.id}`, text: by }));
  if (song.album) meta.push(' · ', h('a', { href: `#/album/${song.album.id}`, text: song.album.title }));
  const extraMeta = [year(song.release_date), song.genre].filter(Boolean).join(' · ');
  if (extraMeta) meta.push(h('span', { class: 'song-extra', text: ` · ${extraMeta}` }));

  const like = h('button', {
    type: 'button', class: 'icon-button like', dataset: { index: i },
    onclick: async () => {
      const now = await toggleLike(song);
      if (now !== null) setHeart(like, song, now);
    },
  }, icon('heart'));
  setHeart(like, song, isLiked(song.id));
  const add = opts.onAdd ? h('button', {
    type: 'button', class: 'icon-button add', 'aria-haspopup': 'menu', 'aria-label': `Add ${song.title} to a playlist`,
    title: 'Add to playlist', onclick: (e) => opts.onAdd(e.currentTarget, song),
  }, icon('plus')) : null;

  return h('li', { class: 'song-row', dataset: { songId: song.id } },
    h('button', {
      type: 'button', class: 'song-play', 'data-nav': true, 'aria-label': `Play ${song.title} by ${by}`,
      onclick: () => playList(songs, i),
    },
    h('span', { class: 'song-num', 'aria-hidden': 'true', text: opts.rank ? opts.rank(i) : String(i + 1) }),
    icon('play')),
    coverImage(song), // 64 px; the title beside it says what it is
    h('div', { class: 'song-main' },
      h('span', { class: 'song-title', text: song.title }),
      h('span', { class: 'song-meta' }, meta)),
    h('span', { class: 'song-duration', text: formatTime(song.duration_ms / 1000) }),
    h('div', { class: 'song-actions' }, like, add, opts.extra ? opts.extra(song, i) : null));
}

// Highlights the rows of the song that plays now (called on every song change).
export function markPlaying(root = document) {
  const id = currentSong()?.id;
  for (const row of root.querySelectorAll('.song-row')) {
    const on = id !== undefined && Number(row.dataset.songId) === id;
    row.classList.toggle('is-playing', on);
    if (on) row.setAttribute('aria-current', 'true'); else row.removeAttribute('aria-current');
  }
}
