// Cover art: the picture of a song, an album or an author (their `cover_url`, served in
// 64, 300 and 640 px), or a tidy placeholder when there is none or it fails to load.
// Shared by the song rows (songlist.js) and the artist and album pages (catalog.js).
import { h } from './dom.js';

// The served size a 2x screen gets instead (a 64 px row thumbnail, shown at 40 px,
// stays at 64: four times the bytes for little gain).
const FOR_2X = { 300: 640 };

// coverImage(item, {size, cls, alt, lazy}) -> an <img class="cover CLS">, or a
// <span class="cover CLS placeholder"> when item.cover_url is null (or the image fails).
// size: the served size to show (64 or 300); a 300 px cover also names the 640 px one
// for 2x screens. The width and height attributes give the box its shape before the
// image arrives; CSS gives CLS its size, so nothing moves when it loads.
// alt: '' when the text next to it already says what it is.
export function coverImage(item, { size = 64, cls = 'song-cover', alt = '', lazy = true } = {}) {
  const placeholder = () => h('span', { class: `cover ${cls} placeholder`, 'aria-hidden': 'true' });
  const url = item?.cover_url;
  if (!url) return placeholder();
  const larger = FOR_2X[size];
  const img = h('img', {
    class: `cover ${cls}`,
    src: `${url}?size=${size}`,
    srcset: larger ? `${url}?size=${size} 1x, ${url}?size=${larger} 2x` : null,
    alt,
    width: size,
    height: size,
    loading: lazy ? 'lazy' : 'eager',
    decoding: 'async',
  });
  img.addEventListener('error', () => img.replaceWith(placeholder()));
  return img;
}
