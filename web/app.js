// Entry point: hash routing (#/search, #/charts, #/playlist/12, ...), the header's
// account link, global keyboard shortcuts, and wiring of the player.
import { currentUser, sessionEvents } from './api.js';
import { h, replace, isTyping } from './dom.js';
import { initPlayer, playerEvents, togglePlay, seekBy, queue } from './player.js';
import { renderSearch, playFirstResult } from './search.js';
import { renderCharts } from './charts.js';
import { renderAccount } from './account.js';
import { renderLiked } from './library.js';
import { loadLikes } from './likes.js';
import { renderMyPlaylists, renderPlaylist, renderUser, openAddToPlaylist } from './playlists.js';
import { renderAuthor, renderAlbum } from './catalog.js';
import { songList, markPlaying } from './songlist.js';
import { showError, clearError } from './status.js';
import { initQueueSync } from './queue_sync.js';
import { renderSettings } from './settings.js';

const routes = [
  [/^\/?$/, 'search', renderSearch],
  [/^\/search$/, 'search', renderSearch],
  [/^\/charts$/, 'charts', renderCharts],
  [/^\/liked$/, 'liked', renderLiked],
  [/^\/playlists$/, 'playlists', renderMyPlaylists],
  [/^\/playlist\/(\d+)$/, 'playlists', renderPlaylist],
  [/^\/user\/(\d+)$/, 'playlists', renderUser],
  [/^\/author\/(\d+)$/, 'search', renderAuthor],
  [/^\/album\/(\d+)$/, 'search', renderAlbum],
  [/^\/account$/, 'account', renderAccount],
  [/^\/queue$/, 'queue', renderQueue],
  [/^\/settings$/, 'settings', renderSettings],
];

const main = document.getElementById('main');
const searchInput = document.getElementById('search');
let cleanup = null;
let renderCount = 0; // a view's cleanup is kept only if no newer view was drawn meanwhile

function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = hash.split('?');
  const params = new URLSearchParams(qs);
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  const mine = ++renderCount;
  document.querySelector('.menu')?.remove();

  const found = routes.find(([re]) => re.test(path));
  for (const a of document.querySelectorAll('nav.side a')) {
    if (found && a.dataset.route === found[1]) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.body.dataset.view = found ? found[1] : 'none';
  if (!found) {
    replace(main, h('h1', { text: 'Not found' }), h('p', {}, 'No such page. ', h('a', { href: '#/', text: 'Back to search' })));
    return;
  }
  const id = path.match(found[0])[1];
  const result = found[2](main, params, id);
  // Views return a cleanup function, or a promise of one.
  Promise.resolve(result).then((fn) => {
    if (mine === renderCount) cleanup = fn;
    else if (typeof fn === 'function') fn();
  });
}

function renderQueue(root) {
  const { songs, index } = queue();
  replace(root, h('h1', { text: 'Queue' }),
    songs.length
      ? [h('p', { class: 'search-info', text: `Song ${index + 1} of ${songs.length}.` }), songList(songs, { label: 'Queue', onAdd: openAddToPlaylist })]
      : h('p', { class: 'empty', text: 'The queue is empty. Play a song from search, charts or a playlist; the list it is in becomes the queue.' }));
}

function renderAccountArea() {
  const area = document.getElementById('account-area');
  const user = currentUser();
  replace(area, user
    ? h('a', { href: '#/account', class: 'account-link', 'aria-label': `Account: ${user.username}` }, h('span', { class: 'avatar', 'aria-hidden': 'true', text: user.username[0].toUpperCase() }), h('span', { class: 'account-name', text: user.username }))
    : h('a', { href: '#/account', class: 'account-link login' }, 'Log in'));
}

function onSessionChange(e) {
  renderAccountArea();
  const { reason } = e.detail;
  if (reason === 'expired') {
    showError('Your session expired, please log in again.', { action: { href: '#/account', label: 'Log in' } });
    sessionStorage.setItem('tonearm.after-login', location.hash);
  }
  if (reason === 'login') { clearError(); loadLikes(); }
  // Views that depend on who is logged in are drawn again.
  if (['account', 'liked', 'playlists'].includes(document.body.dataset.view) && reason !== 'expired') route();
}

// Keyboard: "/" search, Space play/pause, arrows through results, Enter in the
// search box plays the first song.
function onKey(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  const target = e.target;
  if (e.key === '/' && !isTyping(target)) {
    e.preventDefault();
    searchInput.focus();
    searchInput.select();
    return;
  }
  if (e.key === ' ' && !isTyping(target) && !(target instanceof HTMLButtonElement) && !(target instanceof HTMLAnchorElement)
      && !(target instanceof HTMLInputElement) && !(target instanceof HTMLSelectElement)) {
    e.preventDefault();
    togglePlay();
    return;
  }
  if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && (target === searchInput || target.matches?.('[data-nav]'))) {
    const items = [...main.querySelectorAll('[data-nav]')].filter((el) => el.offsetParent !== null);
    if (!items.length) return;
    e.preventDefault();
    const at = items.indexOf(target);
    if (target === searchInput) { if (e.key === 'ArrowDown') items[0].focus(); return; }
    if (e.key === 'ArrowDown') items[Math.min(at + 1, items.length - 1)].focus();
    else if (at === 0) searchInput.focus();
    else items[at - 1].focus();
    return;
  }
  if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && e.shiftKey === false && !isTyping(target)
      && target === document.body) {
    seekBy(e.key === 'ArrowLeft' ? -5 : 5);
  }
}

function init() {
  initPlayer();
  initQueueSync();
  renderAccountArea();
  sessionEvents.addEventListener('change', onSessionChange);
  playerEvents.addEventListener('songchange', () => {
    markPlaying(main);
    if (document.body.dataset.view === 'queue') route();
  });

  // Typing in the header's search box from any page opens the search view.
  // (pushState + route() rather than setting location.hash: the view is there at once.)
  const openSearch = () => {
    if (document.body.dataset.view === 'search' && !/^#\/(author|album)\//.test(location.hash)) return;
    history.pushState(null, '', '#/search');
    route();
  };
  searchInput.addEventListener('input', openSearch);
  document.getElementById('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    openSearch();
    playFirstResult();
  });
  document.addEventListener('keydown', onKey);
  // A followed link moves focus to the new content (screen readers then read it), and
  // the page starts at its top.
  window.addEventListener('hashchange', () => {
    route();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  window.addEventListener('offline', () => showError("You're offline: can't reach the server until the connection is back."));
  window.addEventListener('online', clearError);
  route();
  if (currentUser()) loadLikes();
}

init();
