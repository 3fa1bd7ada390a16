// Playlists: your list and the create form, one playlist (play, rename, public switch,
// reorder by drag or buttons, remove), another user's public playlists, and the
// "add to playlist" menu of song rows.
// Every edit sends the snapshot_id it was made on; a 409 means someone changed the
// playlist meanwhile (another tab, another device): we reload it and say so.
import { api, currentUser } from './api.js';
import { h, replace, formatTime } from './dom.js';
import { icon } from './icons.js';
import { songList } from './songlist.js';
import { playList } from './player.js';
import { reportError, showError, showInfo, messageFor } from './status.js';

const PAGE = 100; // the API's largest page of playlist items

function loginFirst(main, what) {
  sessionStorage.setItem('tonearm.after-login', location.hash);
  replace(main, h('h1', { text: 'Playlists' }),
    h('p', {}, h('a', { href: '#/account', text: 'Log in' }), ` ${what}`));
}

// ---- your playlists --------------------------------------------------------------

export async function renderMyPlaylists(main) {
  if (!currentUser()) return loginFirst(main, 'to see and make playlists.');
  const list = h('div', { class: 'loading', text: 'Loading your playlists…' });
  const name = h('input', { id: 'new-playlist-name', required: true, maxlength: 200, autocomplete: 'off', placeholder: 'e.g. Road trip' });
  const isPublic = h('input', { id: 'new-playlist-public', type: 'checkbox', role: 'switch', checked: true });
  const create = h('form', {
    class: 'inline-form', 'aria-label': 'New playlist',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const p = await createPlaylist(name.value.trim(), isPublic.checked);
        location.hash = `#/playlist/${p.id}`;
      } catch (err) {
        reportError(err, 'Could not create the playlist');
      }
    },
  },
  h('label', { for: 'new-playlist-name' }, 'New playlist'), name,
  h('label', { class: 'switch' }, isPublic, ' Public'),
  h('button', { type: 'submit', class: 'primary' }, 'Create'));
  replace(main, h('h1', { text: 'Your playlists' }), create, list);
  try {
    const items = await fetchMyPlaylists();
    replace(list, items.length ? playlistCards(items, true)
      : h('p', { class: 'empty', text: 'No playlists yet: name one above, then add songs with the + button next to any song.' }));
    list.className = '';
  } catch (err) {
    replace(list, h('p', { class: 'empty', text: messageFor(err, 'Could not load your playlists') }));
    list.className = '';
    reportError(err, 'Could not load your playlists');
  }
}

async function fetchMyPlaylists() {
  const all = [];
  for (let offset = 0; offset < 1000; offset += 50) {
    const page = await api('/v1/me/playlists', { query: { limit: 50, offset } });
    all.push(...page.items);
    if (!page.next) break;
  }
  return all;
}

async function createPlaylist(name, isPublic) {
  const p = await api('/v1/playlists', { method: 'POST', body: { name, public: isPublic } });
  showInfo(`Created "${p.name}".`);
  return p;
}

function playlistCards(items, mine) {
  return h('ul', { class: 'card-list' }, items.map((p) => h('li', {},
    h('a', { class: 'card', href: `#/playlist/${p.id}`, 'data-nav': true },
      h('span', { class: 'card-title', text: p.name }),
      h('span', { class: 'card-meta', text: [`${p.items?.total ?? 0} songs`, mine ? (p.public ? 'public' : 'private') : `by ${p.owner?.username ?? '?'}`].join(' · ') })))));
}

// ---- another user's public playlists ---------------------------------------------------

export async function renderUser(main, params, id) {
  replace(main, h('h1', { text: 'Playlists' }), h('p', { class: 'loading', text: 'Loading…' }));
  try {
    const [user, page] = await Promise.all([api(`/v1/users/${id}`), api(`/v1/users/${id}/playlists`, { query: { limit: 50 } })]);
    replace(main,
      h('header', { class: 'page-head' },
        h('p', { class: 'kicker', text: 'Listener' }),
        h('h1', { text: user.username }),
        h('p', { class: 'page-meta', text: `${user.followers?.total ?? 0} followers · ${page.total} public playlists` })),
      page.items.length ? playlistCards(page.items, false) : h('p', { class: 'empty', text: 'No public playlists.' }));
  } catch (err) {
    replace(main, h('h1', { text: 'Playlists' }), h('p', { class: 'empty', text: messageFor(err, 'Could not load this listener') }));
    reportError(err, 'Could not load this listener');
  }
}

// ---- one playlist ------------------------------------------------------------------

let current = null; // {playlist, songs, main} of the playlist on screen

export async function renderPlaylist(main, params, id) {
  current = null;
  replace(main, h('h1', { text: 'Playlist' }), h('p', { class: 'loading', text: 'Loading the playlist…' }));
  try {
    await loadPlaylist(main, id);
  } catch (err) {
    replace(main, h('h1', { text: 'Playlist' }), h('p', { class: 'empty', text: messageFor(err, 'Could not load this playlist') }));
    reportError(err, 'Could not load this playlist');
  }
  return () => { current = null; };
}

async function loadPlaylist(main, id, focus) {
  const playlist = await api(`/v1/playlists/${id}`);
  const items = [...playlist.items.items];
  let next = playlist.items.next;
  while (next && items.length < 10000) { // longer playlists come in pages of 100
    const page = await api(`/v1/playlists/${id}/items`, { query: { limit: PAGE, offset: items.length } });
    items.push(...page.items);
    next = page.next;
  }
  current = { playlist, songs: items.map((i) => i.song), main };
  draw(focus);
}

function isOwner() {
  return current && currentUser()?.id === current.playlist.owner?.id;
}

function draw(focus) {
  const { playlist: p, songs, main } = current;
  const owner = isOwner();
  const total = songs.reduce((t, s) => t + (s.duration_ms || 0), 0) / 1000;
  const link = `${location.origin}${location.pathname}#/playlist/${p.id}`;

  const head = h('header', { class: 'page-head' },
    h('p', { class: 'kicker', text: p.public ? 'Public playlist' : 'Private playlist' }),
    h('h1', { id: 'playlist-name', text: p.name }),
    p.description ? h('p', { class: 'page-meta', text: p.description }) : null,
    h('p', { class: 'page-meta' }, 'by ',
      h('a', { href: `#/user/${p.owner.id}`, text: p.owner.username }),
      ` · ${songs.length} ${songs.length === 1 ? 'song' : 'songs'} · ${formatTime(total)}`),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', class: 'primary', disabled: !songs.length, onclick: () => playList(songs, 0) }, icon('play'), ' Play'),
      owner ? renameControl(p) : null,
      owner ? publicSwitch(p) : null,
      owner ? h('button', { type: 'button', class: 'secondary danger', onclick: deletePlaylist }, 'Delete') : null),
    p.public ? h('p', { class: 'share' },
      h('label', { for: 'share-link' }, 'Link to share'),
      h('input', { id: 'share-link', readonly: true, value: link, onfocus: (e) => e.target.select() })) : null);

  const list = songs.length
    ? songList(songs, { label: `Songs of ${p.name}`, extra: owner ? editButtons : null, onAdd: openAddToPlaylist })
    : h('p', { class: 'empty', text: owner ? 'This playlist is empty. Search for a song and press its + button to add it here.' : 'This playlist is empty.' });
  if (owner && songs.length) enableDrag(list);
  replace(main, head, list);

  if (focus) {
    // Keep the keyboard where it was after a move: on the same button of the moved song.
    const row = main.querySelectorAll('.song-row')[focus.index];
    const target = row?.querySelector(`.${focus.button}:not(:disabled)`) || row?.querySelector('.song-play');
    target?.focus();
  }
}

function editButtons(song, i) {
  const n = current.songs.length;
  return [
    h('button', { type: 'button', class: 'icon-button move-up', disabled: i === 0, 'aria-label': `Move ${song.title} up`, title: 'Move up',
      onclick: () => move(i, i - 1, 'move-up') }, icon('up')),
    h('button', { type: 'button', class: 'icon-button move-down', disabled: i === n - 1, 'aria-label': `Move ${song.title} down`, title: 'Move down',
      onclick: () => move(i, i + 1, 'move-down') }, icon('down')),
    h('button', { type: 'button', class: 'icon-button remove', 'aria-label': `Remove ${song.title} from the playlist`, title: 'Remove',
      onclick: () => removeAt(i) }, icon('remove')),
  ];
}

// Runs one edit of the playlist on screen; a 409 reloads it and says so.
async function edit(what, request, apply, focus) {
  const { playlist } = current;
  try {
    const res = await request(playlist.snapshot_id);
    if (!current || current.playlist.id !== playlist.id) return;
    apply(res);
    draw(focus);
  } catch (err) {
    if (err.status === 409) {
      showError('This playlist changed elsewhere; reloaded it. Please try again.');
      if (current) await loadPlaylist(current.main, playlist.id).catch((e) => reportError(e, 'Could not reload the playlist'));
      return;
    }
    reportError(err, what);
    if ((err.status === 404 || err.status === 403) && current) await loadPlaylist(current.main, playlist.id).catch(() => {});
  }
}

// Moves the song at `from` so that it ends at index `to` (Spotify's reorder: the item
// goes before `insert_before`, counted in the list before the move).
function move(from, to, button) {
  if (to < 0 || to >= current.songs.length || from === to) return;
  const insertBefore = to > from ? to + 1 : to;
  return edit('Could not move the song',
    (snapshot) => api(`/v1/playlists/${current.playlist.id}/items`, {
      method: 'PUT', body: { range_start: from, range_length: 1, insert_before: insertBefore, snapshot_id: snapshot },
    }),
    (res) => {
      const [song] = current.songs.splice(from, 1);
      current.songs.splice(to, 0, song);
      current.playlist.snapshot_id = res.snapshot_id;
    },
    button ? { index: to, button } : null);
}

function removeAt(i) {
  const song = current.songs[i];
  return edit('Could not remove the song',
    (snapshot) => api(`/v1/playlists/${current.playlist.id}/items`, {
      method: 'DELETE', body: { positions: [i], snapshot_id: snapshot },
    }),
    (res) => {
      current.songs.splice(i, 1);
      current.playlist.snapshot_id = res.snapshot_id;
      showInfo(`Removed "${song.title}".`);
    },
    { index: Math.min(i, current.songs.length - 2), button: 'remove' });
}

function patch(what, body) {
  return edit(what,
    () => api(`/v1/playlists/${current.playlist.id}`, { method: 'PATCH', body }),
    (p) => { Object.assign(current.playlist, { name: p.name, public: p.public, description: p.description, snapshot_id: p.snapshot_id }); });
}

function renameControl(p) {
  const wrap = h('span', { class: 'rename' });
  const start = h('button', {
    type: 'button', class: 'secondary', id: 'rename-playlist',
    onclick: () => {
      const input = h('input', { id: 'rename-input', value: p.name, required: true, maxlength: 200, 'aria-label': 'New name of the playlist' });
      const form = h('form', {
        class: 'inline-form', 'aria-label': 'Rename playlist',
        onsubmit: async (e) => {
          e.preventDefault();
          const name = input.value.trim();
          if (!name || name === p.name) { draw(); return; }
          await patch('Could not rename the playlist', { name });
          showInfo(`Renamed to "${name}".`);
        },
        onkeydown: (e) => { if (e.key === 'Escape') draw(); },
      }, input, h('button', { type: 'submit', class: 'primary' }, 'Save'),
      h('button', { type: 'button', class: 'secondary', onclick: () => draw() }, 'Cancel'));
      replace(wrap, form);
      input.focus();
      input.select();
    },
  }, 'Rename');
  wrap.append(start);
  return wrap;
}

function publicSwitch(p) {
  const box = h('input', {
    type: 'checkbox', role: 'switch', id: 'playlist-public', checked: p.public,
    onchange: async () => {
      await patch('Could not change who sees the playlist', { public: box.checked });
      showInfo(box.checked ? 'The playlist is public: anyone with the link can see it.' : 'The playlist is private.');
      document.getElementById('playlist-public')?.focus();
    },
  });
  return h('label', { class: 'switch', for: 'playlist-public' }, box, ' Public');
}

async function deletePlaylist() {
  const { playlist } = current;
  if (!window.confirm(`Delete the playlist "${playlist.name}"? This cannot be undone.`)) return;
  try {
    await api(`/v1/playlists/${playlist.id}`, { method: 'DELETE' });
    showInfo(`Deleted "${playlist.name}".`);
    location.hash = '#/playlists';
  } catch (err) {
    reportError(err, 'Could not delete the playlist');
  }
}

// Drag and drop on the rows (mouse); the up/down buttons do the same from the keyboard.
function enableDrag(list) {
  let from = -1;
  const rows = [...list.querySelectorAll('.song-row')];
  rows.forEach((row, i) => {
    row.draggable = true;
    row.prepend(h('span', { class: 'drag-handle', 'aria-hidden': 'true', title: 'Drag to reorder' }, icon('drag')));
    row.addEventListener('dragstart', (e) => {
      from = i;
      e.dataTransfer.effectAllowed = 'move';
      e.dataTransfer.setData('text/plain', String(i));
      row.classList.add('dragging');
    });
    row.addEventListener('dragend', () => {
      row.classList.remove('dragging');
      rows.forEach((r) => r.classList.remove('drop-before', 'drop-after'));
    });
    row.addEventListener('dragover', (e) => {
      if (from < 0) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'move';
      rows.forEach((r) => r.classList.remove('drop-before', 'drop-after'));
      if (i !== from) row.classList.add(i < from ? 'drop-before' : 'drop-after');
    });
    row.addEventListener('drop', (e) => {
      e.preventDefault();
      const source = from;
      from = -1;
      if (source >= 0 && source !== i) move(source, i);
    });
  });
}

// ---- the "add to playlist" menu ---------------------------------------------------------

let openMenu = null;

function closeMenu(returnFocus = true) {
  if (!openMenu) return;
  const { menu, button, onDoc } = openMenu;
  openMenu = null;
  menu.remove();
  document.removeEventListener('pointerdown', onDoc, true);
  button.setAttribute('aria-expanded', 'false');
  if (returnFocus) button.focus();
}

export async function openAddToPlaylist(button, song) {
  if (openMenu?.button === button) { closeMenu(); return; }
  closeMenu(false);
  if (!currentUser()) {
    sessionStorage.setItem('tonearm.after-login', location.hash);
    showError('Please log in to make playlists.', { action: { href: '#/account', label: 'Log in' } });
    return;
  }
  const menu = h('div', { class: 'menu', role: 'menu', 'aria-label': `Add ${song.title} to playlist` },
    h('p', { class: 'menu-note', text: 'Loading playlists…' }));
  const onDoc = (e) => { if (!menu.contains(e.target) && e.target !== button && !button.contains(e.target)) closeMenu(false); };
  openMenu = { menu, button, onDoc };
  document.addEventListener('pointerdown', onDoc, true);
  button.setAttribute('aria-expanded', 'true');
  document.body.append(menu);
  place(menu, button);
  menu.addEventListener('keydown', (e) => menuKeys(e, menu));

  let playlists;
  try {
    playlists = await fetchMyPlaylists();
  } catch (err) {
    closeMenu(false);
    reportError(err, 'Could not load your playlists');
    return;
  }
  if (openMenu?.menu !== menu) return;
  const items = playlists.map((p) => h('button', {
    type: 'button', role: 'menuitem', class: 'menu-item', onclick: () => addTo(p, song),
  }, p.name));
  items.push(h('button', { type: 'button', role: 'menuitem', class: 'menu-item new', onclick: () => newPlaylistIn(menu, song) }, 'New playlist…'));
  replace(menu, items);
  place(menu, button);
  items[0].focus();
}

function place(menu, button) {
  const r = button.getBoundingClientRect();
  const width = Math.min(260, window.innerWidth - 16);
  menu.style.width = `${width}px`;
  menu.style.left = `${Math.max(8, Math.min(r.right - width, window.innerWidth - width - 8)) + window.scrollX}px`;
  const below = r.bottom + 4 + menu.offsetHeight < window.innerHeight - 80;
  menu.style.top = `${(below ? r.bottom + 4 : Math.max(8, r.top - 4 - menu.offsetHeight)) + window.scrollY}px`;
}

function menuKeys(e, menu) {
  const items = [...menu.querySelectorAll('[role=menuitem]')];
  const at = items.indexOf(document.activeElement);
  if (e.key === 'Escape') { e.preventDefault(); closeMenu(); }
  else if (e.key === 'ArrowDown' && items.length) { e.preventDefault(); items[(at + 1) % items.length].focus(); }
  else if (e.key === 'ArrowUp' && items.length) { e.preventDefault(); items[(at - 1 + items.length) % items.length].focus(); }
  else if (e.key === 'Tab') closeMenu(false);
}

function newPlaylistIn(menu, song) {
  const input = h('input', { id: 'menu-new-name', required: true, maxlength: 200, 'aria-label': 'Name of the new playlist', placeholder: 'Playlist name' });
  replace(menu, h('form', {
    class: 'menu-form',
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const p = await createPlaylist(input.value.trim(), true);
        await addTo(p, song);
      } catch (err) {
        reportError(err, 'Could not create the playlist');
      }
    },
  }, input, h('button', { type: 'submit', class: 'primary' }, 'Create and add')));
  input.focus();
}

async function addTo(playlist, song) {
  closeMenu();
  try {
    // No snapshot_id: appending applies to whatever the playlist is now, it cannot conflict.
    await api(`/v1/playlists/${playlist.id}/items`, { method: 'POST', body: { song_ids: [song.id] } });
    showInfo(`Added "${song.title}" to ${playlist.name}.`);
    if (current && current.playlist.id === playlist.id) await loadPlaylist(current.main, playlist.id);
  } catch (err) {
    reportError(err, `Could not add "${song.title}" to ${playlist.name}`);
  }
}
