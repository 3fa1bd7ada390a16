// Search as you type: debounced, with stale requests aborted and out-of-order answers
// ignored; songs, artists and albums in groups; genre and year filters (alone they
// browse: the catalog's genres are offered when the box is empty); the query is kept
// in the address (#/search?q=...) so a reload or a shared link shows the same.
import { api } from './api.js';
import { h, replace, debounce, year } from './dom.js';
import { songList } from './songlist.js';
import { openAddToPlaylist } from './playlists.js';
import { playList } from './player.js';
import { reportError, messageFor } from './status.js';
import { coverImage } from './covers.js';

const DEBOUNCE_MS = 200;
const knownGenres = new Set(); // the catalog's genres and those seen in results: the genre field's suggestions
let catalogGenres = null;      // GET /v1/genres, once per page load: [{name, songs}]

let controller = null; // the request in flight
let seq = 0;           // answers to older requests than the latest are dropped
let lastSongs = [];    // songs of the latest answer (Enter plays the first)
let view = null;       // elements of the mounted view

export function renderSearch(main, params) {
  const input = document.getElementById('search');
  if (params.has('q') && input.value !== params.get('q')) input.value = params.get('q');

  const genre = h('input', {
    id: 'filter-genre', type: 'text', list: 'genre-list', autocomplete: 'off',
    placeholder: 'Any', value: params.get('genre') || '', oninput: () => schedule(),
  });
  const yearInput = h('input', {
    id: 'filter-year', type: 'text', inputmode: 'numeric', autocomplete: 'off', placeholder: 'e.g. 1997 or 1990-1999',
    pattern: '\\d{4}(-\\d{4})?', value: params.get('year') || '', 'aria-describedby': 'year-hint', oninput: () => schedule(),
  });
  const datalist = h('datalist', { id: 'genre-list' }, [...knownGenres].sort().map((g) => h('option', { value: g })));
  const results = h('div', { id: 'results', class: 'results', 'aria-live': 'polite' });
  const info = h('p', { class: 'search-info', id: 'search-info' });

  replace(main,
    h('h1', { class: 'visually-hidden', text: 'Search' }),
    h('form', { class: 'filters', 'aria-label': 'Search filters', onsubmit: (e) => { e.preventDefault(); runNow(); } },
      h('label', { for: 'filter-genre' }, 'Genre'), genre, datalist,
      h('label', { for: 'filter-year' }, 'Year'), yearInput,
      h('span', { id: 'year-hint', class: 'visually-hidden', text: 'A year like 1997 or a range like 1990-1999' }),
      h('button', { type: 'button', class: 'link-button', onclick: () => { genre.value = ''; yearInput.value = ''; runNow(); } }, 'Clear filters')),
    info, results);

  view = { input, genre, yearInput, datalist, results, info };
  input.addEventListener('input', schedule);
  runNow();
  return () => {
    input.removeEventListener('input', schedule);
    schedule.cancel();
    controller?.abort();
    view = null;
  };
}

const schedule = debounce(() => run(), DEBOUNCE_MS);

function runNow() {
  schedule.cancel();
  return run();
}

// Enter in the search box: search at once if a search is pending, then play the first song.
export async function playFirstResult() {
  if (!view) return;
  await runNow();
  if (lastSongs.length) playList(lastSongs, 0);
}

function query() {
  return {
    q: view.input.value.trim(),
    genre: view.genre.value.trim(),
    year: view.yearInput.value.trim(),
  };
}

async function run() {
  if (!view) return;
  const { q, genre, year: yearValue } = query();
  const { results, info } = view;
  controller?.abort();
  const mine = ++seq;
  keepInAddress(q, genre, yearValue);

  if (yearValue && !/^\d{4}(-\d{4})?$/.test(yearValue)) {
    info.textContent = 'Year: write 1997 or a range like 1990-1999.';
    return;
  }
  if (!q && !genre && !yearValue) {
    lastSongs = [];
    info.textContent = '';
    results.dataset.query = '';
    const genreList = h('ul', { class: 'genre-list', 'aria-label': 'Genres' });
    replace(results, h('div', { class: 'empty hint' },
      h('p', {}, 'Type to search songs, artists and albums. Typos are fine: try “radiohaed” or “karma pol”.'),
      h('p', {}, 'Keys: ', h('kbd', {}, '/'), ' search, ', h('kbd', {}, '↓'), ' ', h('kbd', {}, '↑'), ' move through results, ',
        h('kbd', {}, 'Enter'), ' play, ', h('kbd', {}, 'Space'), ' play / pause.'),
      h('h2', { class: 'browse-heading' }, 'Browse by genre'), genreList));
    showGenres(genreList);
    return;
  }
  // Filters alone browse: the API needs a q, and its field prefixes say the same.
  const genreClause = genre.replaceAll('"', '').trim();
  const sent = q || [genreClause && `genre:"${genreClause}"`, yearValue && `year:${yearValue}`].filter(Boolean).join(' ');
  if (!sent) { // a genre of quotes alone: nothing to browse
    info.textContent = 'Genre: write a genre name, or pick one below.';
    return;
  }

  controller = new AbortController();
  results.setAttribute('aria-busy', 'true');
  info.textContent = 'Searching…';
  try {
    const data = await api('/v1/search', {
      query: { q: sent, type: q ? 'song,author,album' : 'song', limit: 20, genre, year: yearValue },
      signal: controller.signal,
    });
    if (mine !== seq) return; // a newer search has started
    render(data, sent);
    results.dataset.query = sent; // what the results on screen answer (tests wait on it)
  } catch (err) {
    if (err.name === 'AbortError' || mine !== seq) return;
    lastSongs = [];
    info.textContent = '';
    replace(results, h('p', { class: 'empty', text: messageFor(err, 'Search failed') }));
    results.dataset.query = sent;
    reportError(err, 'Search failed');
  } finally {
    if (mine === seq) results.removeAttribute('aria-busy');
  }
}

function keepInAddress(q, genre, yearValue) {
  if (!location.hash.startsWith('#/search') && location.hash !== '' && location.hash !== '#/') return;
  const p = new URLSearchParams();
  if (q) p.set('q', q);
  if (genre) p.set('genre', genre);
  if (yearValue) p.set('year', yearValue);
  const hash = `#/search${p.toString() ? `?${p}` : ''}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

function render(data, q) {
  const { results, info } = view;
  const songs = data.songs?.items ?? [];
  const authors = data.authors?.items ?? [];
  const albums = data.albums?.items ?? [];
  lastSongs = songs;
  learnGenres(songs.map((s) => s.genre));

  if (!songs.length && !authors.length && !albums.length) {
    info.textContent = '';
    replace(results, h('p', { class: 'empty', text: `Nothing matches “${q}”. Check the spelling or remove a filter.` }));
    return;
  }
  const n = (count, word) => `${count} ${word}${count === 1 ? '' : 's'}`;
  info.textContent = [n(data.songs?.total ?? 0, 'song'), n(data.authors?.total ?? 0, 'artist'), n(data.albums?.total ?? 0, 'album')].join(', ');

  const sections = [];
  if (songs.length) {
    const list = songList(songs, { label: 'Songs found', onAdd: openAddToPlaylist });
    const section = h('section', { class: 'result-group', 'aria-labelledby': 'songs-heading' },
      h('h2', { id: 'songs-heading' }, 'Songs ', h('span', { class: 'count', text: `(${data.songs.total})` })), list);
    if (data.songs.next) section.append(moreButton(data.songs.next, list, songs));
    sections.push(section);
  }
  if (authors.length) {
    sections.push(h('section', { class: 'result-group', 'aria-labelledby': 'authors-heading' },
      h('h2', { id: 'authors-heading' }, 'Artists ', h('span', { class: 'count', text: `(${data.authors.total})` })),
      h('ul', { class: 'card-list' }, authors.map((a) => h('li', {},
        h('a', { class: 'card', href: `#/author/${a.id}`, 'data-nav': true },
          coverImage(a, { size: 300, cls: 'card-cover round' }),
          h('span', { class: 'card-title', text: a.name }),
          h('span', { class: 'card-meta', text: [a.country, a.status].filter(Boolean).join(' · ') })))))));
  }
  if (albums.length) {
    sections.push(h('section', { class: 'result-group', 'aria-labelledby': 'albums-heading' },
      h('h2', { id: 'albums-heading' }, 'Albums ', h('span', { class: 'count', text: `(${data.albums.total})` })),
      h('ul', { class: 'card-list' }, albums.map((al) => h('li', {},
        h('a', { class: 'card', href: `#/album/${al.id}`, 'data-nav': true },
          coverImage(al, { size: 300, cls: 'card-cover' }),
          h('span', { class: 'card-title', text: al.title }),
          h('span', { class: 'card-meta', text: [al.author?.name, year(al.release_date)].filter(Boolean).join(' · ') })))))));
  }
  replace(results, sections);
}

// "More songs": the next page of the same search, appended (the queue grows with it).
function moreButton(nextUrl, list, songs) {
  const button = h('button', {
    type: 'button', class: 'more',
    onclick: async () => {
      button.disabled = true;
      try {
        const data = await api(nextUrl);
        const page = data.songs;
        songs.push(...page.items);
        const fresh = songList(songs, { label: 'Songs found', onAdd: openAddToPlaylist });
        list.replaceWith(fresh);
        list = fresh;
        if (page.next) { nextUrl = page.next; button.disabled = false; } else button.remove();
      } catch (err) {
        button.disabled = false;
        reportError(err, 'Could not load more songs');
      }
    },
  }, 'More songs');
  return button;
}

function learnGenres(names) {
  let added = false;
  for (const g of names) {
    if (g && !knownGenres.has(g)) { knownGenres.add(g); added = true; }
  }
  if (added && view) replace(view.datalist, [...knownGenres].sort().map((g) => h('option', { value: g })));
}

// The catalog's genres as buttons that browse them (fetched once; nothing shown if the
// request fails: typing still works).
async function showGenres(list) {
  try {
    if (!catalogGenres?.length) catalogGenres = (await api('/v1/genres')).items; // an empty catalog is asked again
  } catch (err) {
    if (err.status === 401) reportError(err, 'Could not load the genres');
    return;
  }
  learnGenres(catalogGenres.map((g) => g.name));
  replace(list, catalogGenres.map((g) => h('li', {},
    h('button', {
      type: 'button', class: 'chip', 'aria-label': `${g.name}, ${g.songs} song${g.songs === 1 ? '' : 's'}`,
      onclick: () => { if (view) { view.genre.value = g.name; runNow(); } },
    }, g.name, h('span', { class: 'count', text: ` ${g.songs}` })))));
}
