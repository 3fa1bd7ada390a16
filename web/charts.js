// Charts: the most played songs of the last hour, day or week.
import { api } from './api.js';
import { h, replace } from './dom.js';
import { songList } from './songlist.js';
import { openAddToPlaylist } from './playlists.js';
import { reportError, messageFor } from './status.js';

const WINDOWS = [['hour', 'Last hour'], ['day', 'Today'], ['week', 'This week']];

export async function renderCharts(main, params) {
  const windowName = WINDOWS.some(([w]) => w === params.get('window')) ? params.get('window') : 'day';
  const body = h('div', { class: 'loading', 'aria-busy': 'true', text: 'Loading the charts…' });
  replace(main,
    h('h1', { text: 'Top songs' }),
    h('nav', { class: 'tabs', 'aria-label': 'Chart period' },
      WINDOWS.map(([w, label]) => h('a', {
        href: `#/charts?window=${w}`, class: 'tab', 'aria-current': w === windowName ? 'page' : false, text: label,
      }))),
    body);
  try {
    const data = await api('/v1/charts/top', { query: { window: windowName, limit: 50 } });
    const songs = data.items.map((i) => i.song);
    body.className = '';
    body.removeAttribute('aria-busy');
    replace(body, songs.length
      ? songList(songs, {
        label: `Top songs, ${windowName}`,
        onAdd: openAddToPlaylist,
        rank: (i) => String(data.items[i].rank),
      })
      : h('p', { class: 'empty', text: 'No plays in this period yet. Play something and it will show up here.' }));
    if (songs.length) {
      body.prepend(h('p', { class: 'search-info', text: `${songs.length} songs, ranked by plays.` }));
    }
  } catch (err) {
    body.className = '';
    body.removeAttribute('aria-busy');
    replace(body, h('p', { class: 'empty', text: messageFor(err, 'Could not load the charts') }));
    reportError(err, 'Could not load the charts');
  }
}
