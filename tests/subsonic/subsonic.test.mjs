// Tonearm's Subsonic API (/rest) driven by a client library others wrote: the npm
// package subsonic-api, as a Subsonic app would, against a tonearm with the test
// catalog. Token auth with an app password, OpenSubsonic API keys, browsing by tags
// and folders, search (the empty query too), streams with a Range, playlists, stars,
// ratings, scrobbles and the play queue; wrong, revoked and missing credentials and
// parameters get the protocol's error codes.
// Run: node --test tests/subsonic/subsonic.test.mjs   (through scripts/test)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { SubsonicAPI } from 'subsonic-api';
import { makeStack, recordExchanges, required } from '../support/tonearm_stack.mjs';

recordExchanges('subsonic.test.mjs');

const PASSWORD = 'correct horse battery staple';
const SECRET_KEY = randomBytes(32).toString('hex');

let stack;
let server;
let base;
const alice = {};  // token (bearer), appPassword, apiKey, api (token auth), keyApi
const bob = {};

async function rest(token, method, p, body) {
  const res = await fetch(`${base}${p}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function signUp(who, username) {
  let r = await fetch(`${base}/v1/users`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(r.status, 201);
  r = await fetch(`${base}/v1/sessions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username, password: PASSWORD }),
  });
  who.username = username;
  who.token = (await r.json()).token;
  const made = await rest(who.token, 'POST', '/v1/me/app-passwords', { label: 'phone' });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  who.appPassword = made.json.secret;
  who.appPasswordId = made.json.id;
  const key = await rest(who.token, 'POST', '/v1/me/app-passwords', { label: 'desktop', kind: 'api_key' });
  assert.equal(key.status, 201);
  who.apiKey = key.json.secret;
  who.apiKeyId = key.json.id;
  who.api = new SubsonicAPI({ url: base, auth: { username, password: who.appPassword } });
  who.keyApi = new SubsonicAPI({ url: base, auth: { apiKey: who.apiKey } });
}

// A raw call: `query` is sent as it is (for what the library will not send).
async function raw(method, query, init = {}) {
  return fetch(`${base}/rest/${method}?${new URLSearchParams(query)}`, init);
}

function ok(r) {
  assert.equal(r.status, 'ok', JSON.stringify(r.error ?? r));
  return r;
}

function failed(r, code) {
  assert.equal(r.status, 'failed', JSON.stringify(r));
  assert.equal(r.error.code, code, JSON.stringify(r.error));
}

before(async () => {
  stack = await makeStack({
    prefix: 'subsonic',
    redisDb: 6,
    env: { TONEARM_SUBSONIC_SECRET_KEY: SECRET_KEY, TONEARM_LOGIN_ATTEMPTS_PER_ADDRESS: '1000000' },
  });
  server = await stack.startServer();
  base = server.base;
  await signUp(alice, `alice_${process.pid}`);
  await signUp(bob, `bob_${process.pid}`);
});

after(async () => { await stack?.close(); });

test('ping: token auth with an app password, the envelope of an OpenSubsonic server', async () => {
  const r = ok(await alice.api.ping());
  assert.equal(r.version, '1.16.1');
  assert.equal(r.type, 'tonearm');
  assert.equal(r.openSubsonic, true);
  assert.ok(r.serverVersion);
  ok(await new SubsonicAPI({ url: base, auth: { username: alice.username, password: alice.appPassword }, post: true }).ping());
});

test('the account password, a wrong app password and missing credentials are refused', async () => {
  failed(await new SubsonicAPI({ url: base, auth: { username: alice.username, password: PASSWORD } }).ping(), 40);
  failed(await new SubsonicAPI({ url: base, auth: { username: alice.username, password: 'nope' } }).ping(), 40);
  failed(await new SubsonicAPI({ url: base, auth: { username: 'nobody_here', password: alice.appPassword } }).ping(), 40);
  failed(await new SubsonicAPI({ url: base, auth: { apiKey: 'tnk_not_a_key' } }).ping(), 44);
  failed(await (await raw('ping', { f: 'json', apiKey: alice.apiKey, u: alice.username })).json().then((j) => j['subsonic-response']), 43);
  failed(await (await raw('ping.view', { f: 'json' })).json().then((j) => j['subsonic-response']), 10);
  const plain = await raw('ping.view', { f: 'json', u: alice.username, p: `enc:${Buffer.from(alice.appPassword).toString('hex')}` });
  ok((await plain.json())['subsonic-response']);
});

test('failed sign-ins count against the same per-user limit as POST /v1/sessions', async () => {
  const carol = {};
  await signUp(carol, `carol_${process.pid}`);
  const wrong = new SubsonicAPI({ url: base, auth: { username: carol.username, password: 'wrong-wrong' } });
  for (let i = 0; i < 10; i++) failed(await wrong.ping(), 40);
  // The limit is reached: now even the right app password waits, and so does the account login.
  const refused = await carol.api.ping();
  failed(refused, 0);
  assert.match(refused.error.message, /Too many failed sign-ins: try again in \d+ seconds/);
  const login = await fetch(`${base}/v1/sessions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username: carol.username, password: PASSWORD }),
  });
  assert.equal(login.status, 429);
  ok(await carol.keyApi.ping());  // an API key names no username: not this user's limit
});

test('API keys: tokenInfo, and getOpenSubsonicExtensions without any credentials', async () => {
  const info = ok(await alice.keyApi.customJSON('tokenInfo.view', {}));
  assert.equal(info.tokenInfo.username, alice.username);
  const ext = (await (await raw('getOpenSubsonicExtensions', { f: 'json' })).json())['subsonic-response'];
  ok(ext);
  const names = ext.openSubsonicExtensions.map((e) => e.name);
  for (const n of ['apiKeyAuthentication', 'formPost']) assert.ok(names.includes(n), names.join());
  assert.deepEqual(ext.openSubsonicExtensions[0].versions, [1]);
});

test('XML by default, JSONP on request, errors as the protocol has them', async () => {
  const q = { u: alice.username, p: alice.appPassword, v: '1.2.0', c: 'DSub' };
  const xml = await raw('getMusicFolders.view', q);
  assert.equal(xml.status, 200);
  assert.match(xml.headers.get('content-type'), /^text\/xml/);
  const text = await xml.text();
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  assert.match(text, /<subsonic-response xmlns="http:\/\/subsonic.org\/restapi" status="ok" version="1.16.1" type="tonearm"/);
  assert.match(text, /<musicFolders><musicFolder id="1" name="Music"\/><\/musicFolders>/);
  const p = await (await raw('ping', { ...q, f: 'jsonp', callback: 'got' })).text();
  assert.match(p, /^got\(\{"subsonic-response":\{"status":"ok"/);
  const missing = await (await raw('getAlbum', q)).text();
  assert.match(missing, /status="failed"/);
  assert.match(missing, /<error code="10" message="Required parameter is missing: id"\/>/);
  const unknown = await (await raw('jukeboxControl', { ...q, f: 'json' })).json();
  failed(unknown['subsonic-response'], 0);
  const gone = await (await raw('getSong', { ...q, f: 'json', id: '999999999' })).json();
  failed(gone['subsonic-response'], 70);
});

// The XML of a method: well-formed (xmllint), in the Subsonic namespace, with an
// element for each member of the same call's JSON answer.
async function sameInXmlAndJson(method, query) {
  const q = { u: alice.username, p: alice.appPassword, c: 'test', ...query };
  const xml = await (await raw(method, q)).text();
  execFileSync('xmllint', ['--noout', '-'], { input: xml });  // throws on a malformed document
  assert.match(xml, /<subsonic-response xmlns="http:\/\/subsonic.org\/restapi" status="ok"/, method);
  const json = (await (await raw(method, { ...q, f: 'json' })).json())['subsonic-response'];
  const envelope = ['status', 'version', 'type', 'serverVersion', 'openSubsonic'];
  for (const [key, value] of Object.entries(json)) {
    if (envelope.includes(key)) continue;
    assert.ok(xml.includes(`<${key}`), `${method}: <${key}> in the XML`);
    const first = Array.isArray(value) ? value[0] : value;
    for (const [child, v] of Object.entries(first ?? {}))
      if (typeof v === 'object') assert.ok(xml.includes(`<${child}`), `${method}: <${child}> in the XML`);
      else assert.ok(xml.includes(` ${child}="`) || xml.includes(`>${v}<`), `${method}: ${child} in the XML`);
  }
}

test('every answer is well-formed XML with the same content as its JSON', async () => {
  const album = ok(await alice.api.getAlbumList2({ type: 'alphabeticalByName', size: 1 })).albumList2.album[0];
  const song = ok(await alice.api.getAlbum({ id: album.id })).album.song[0];
  const calls = [
    ['ping', {}], ['getLicense', {}], ['getMusicFolders', {}], ['getUser', {}], ['getOpenSubsonicExtensions', {}],
    ['getArtists', {}], ['getIndexes', {}], ['getArtist', { id: album.artistId }], ['getAlbum', { id: album.id }],
    ['getSong', { id: song.id }], ['getMusicDirectory', { id: album.artistId }], ['getMusicDirectory', { id: album.id }],
    ['getAlbumList2', { type: 'newest' }], ['getAlbumList', { type: 'newest' }], ['getGenres', {}],
    ['getRandomSongs', { size: 3 }], ['getTopSongs', { artist: 'Radiohead' }], ['getStarred2', {}], ['getStarred', {}],
    ['search3', { query: 'bjork' }], ['search2', { query: 'bjork' }], ['getPlaylists', {}], ['getPlayQueue', {}],
    ['getLyricsBySongId', { id: song.id }], ['getNowPlaying', {}],
  ];
  for (const [method, query] of calls) await sameInXmlAndJson(method, query);
  // A client that has the index of that time gets no artists again.
  const idx = ok(await alice.api.getIndexes()).indexes;
  const same = ok(await alice.api.getIndexes({ ifModifiedSince: idx.lastModified })).indexes;
  assert.equal(same.lastModified, idx.lastModified);
  assert.equal(same.index, undefined);
});

test('browsing by tags: artists, an artist, an album, a song', async () => {
  const artists = ok(await alice.api.getArtists());
  assert.equal(artists.artists.ignoredArticles, 'The El La Los Las Le Les');
  const all = artists.artists.index.flatMap((i) => i.artist);
  const radiohead = all.find((a) => a.name === 'Radiohead');
  assert.ok(radiohead, all.map((a) => a.name).join());
  assert.match(radiohead.id, /^ar-\d+$/);
  assert.ok(radiohead.albumCount >= 1);
  const letters = artists.artists.index.map((i) => i.name);
  assert.deepEqual(letters, [...letters].sort((a, b) => (a === '#') - (b === '#') || (a < b ? -1 : a > b ? 1 : 0)));

  const artist = ok(await alice.api.getArtist({ id: radiohead.id }));
  assert.equal(artist.artist.name, 'Radiohead');
  assert.ok(Array.isArray(artist.artist.album) && artist.artist.album.length >= 1);
  const albumId = artist.artist.album[0].id;
  const album = ok(await alice.api.getAlbum({ id: albumId }));
  assert.ok(album.album.song.length >= 1);
  assert.equal(album.album.songCount, album.album.song.length);
  const song = album.album.song[0];
  for (const field of ['id', 'title', 'artist', 'album', 'duration', 'size', 'contentType', 'suffix', 'bitRate', 'path', 'albumId', 'artistId']) {
    assert.ok(song[field] !== undefined, `song.${field} in ${JSON.stringify(song)}`);
  }
  assert.equal(typeof song.id, 'string');
  assert.equal(song.isDir, false);
  assert.ok(song.duration > 0);
  const one = ok(await alice.api.getSong({ id: song.id }));
  assert.equal(one.song.title, song.title);
  failed(await alice.api.getArtist({ id: 'ar-999999999' }), 70);
  failed(await alice.api.getAlbum({ id: song.id }), 70);  // a song id is no album id
});

test('browsing by folders: indexes, then an artist folder of albums, then an album folder of songs', async () => {
  const idx = ok(await alice.api.getIndexes());
  assert.ok(idx.indexes.lastModified > 0);
  const artist = idx.indexes.index.flatMap((i) => i.artist).find((a) => a.name === 'Björk');
  assert.ok(artist);
  const dir = ok(await alice.api.getMusicDirectory({ id: artist.id }));
  assert.equal(dir.directory.name, 'Björk');
  const albums = dir.directory.child.filter((c) => c.isDir);
  assert.ok(albums.length >= 1);
  assert.equal(albums[0].parent, artist.id);
  const songs = ok(await alice.api.getMusicDirectory({ id: albums[0].id }));
  assert.equal(songs.directory.parent, artist.id);
  assert.ok(songs.directory.child.length >= 1);
  assert.ok(songs.directory.child.every((c) => c.isDir === false && c.parent === albums[0].id));
  failed(await alice.api.getMusicDirectory({ id: 'nonsense' }), 70);
});

test('album lists of every type, genres, random and top songs', async () => {
  for (const type of ['random', 'newest', 'highest', 'frequent', 'recent', 'starred', 'alphabeticalByName', 'alphabeticalByArtist']) {
    ok(await alice.api.getAlbumList2({ type, size: 50 }));
    ok(await alice.api.getAlbumList({ type, size: 5 }));
  }
  const byName = ok(await alice.api.getAlbumList2({ type: 'alphabeticalByName', size: 500 })).albumList2.album;
  assert.ok(byName.length >= 5);
  const names = byName.map((a) => a.name.toLowerCase());
  const page2 = ok(await alice.api.getAlbumList2({ type: 'alphabeticalByName', size: 2, offset: 2 })).albumList2.album;
  assert.deepEqual(page2.map((a) => a.id), byName.slice(2, 4).map((a) => a.id));
  assert.equal(names.length, new Set(byName.map((a) => a.id)).size);
  const years = ok(await alice.api.getAlbumList2({ type: 'byYear', fromYear: 1990, toYear: 1999, size: 500 })).albumList2.album ?? [];
  assert.ok(years.length >= 1);
  assert.ok(years.every((a) => a.year >= 1990 && a.year <= 1999), JSON.stringify(years.map((a) => a.year)));
  const down = ok(await alice.api.getAlbumList2({ type: 'byYear', fromYear: 1999, toYear: 1990, size: 500 })).albumList2.album;
  assert.deepEqual(down.map((a) => a.year), [...down.map((a) => a.year)].sort((a, b) => b - a));
  failed(await alice.api.getAlbumList2({ type: 'byYear' }), 10);
  failed(await alice.api.getAlbumList2({ type: 'sideways' }), 0);

  const genres = ok(await alice.api.getGenres()).genres.genre;
  assert.ok(genres.length >= 2);
  const g = genres[0];
  assert.ok(g.value && g.songCount >= 1 && g.albumCount >= 0);
  const inGenre = ok(await alice.api.getSongsByGenre({ genre: g.value, count: 500 })).songsByGenre.song;
  assert.equal(inGenre.length, g.songCount);
  assert.ok(inGenre.every((s) => s.genre.toLowerCase() === g.value.toLowerCase()));
  const byGenre = ok(await alice.api.getAlbumList2({ type: 'byGenre', genre: g.value, size: 500 })).albumList2.album ?? [];
  assert.equal(byGenre.length, g.albumCount);

  const random = ok(await alice.api.getRandomSongs({ size: 5 })).randomSongs.song;
  assert.ok(random.length >= 1 && random.length <= 5);
  const randomRock = ok(await alice.api.getRandomSongs({ size: 3, genre: g.value })).randomSongs.song;
  assert.ok(randomRock.every((s) => s.genre.toLowerCase() === g.value.toLowerCase()));
  const top = ok(await alice.api.getTopSongs({ artist: 'radiohead', count: 3 })).topSongs.song;
  assert.ok(top.length >= 1 && top.every((s) => s.artist === 'Radiohead'));
});

test('search3 finds by words, and an empty query pages through the whole library', async () => {
  const hit = ok(await alice.api.search3({ query: 'karma police' })).searchResult3;
  assert.ok(hit.song?.some((s) => s.title === 'Karma Police'), JSON.stringify(hit));
  const artistHit = ok(await alice.api.search3({ query: 'radiohead', songCount: 0, albumCount: 0 })).searchResult3;
  assert.ok(artistHit.artist?.some((a) => a.name === 'Radiohead'));
  assert.equal(artistHit.song, undefined);

  const seen = new Set();
  for (let offset = 0; ; offset += 20) {
    const page = ok(await alice.api.search3({ query: '', songCount: 20, songOffset: offset, artistCount: 0, albumCount: 0 })).searchResult3;
    const songs = page.song ?? [];
    for (const s of songs) seen.add(s.id);
    assert.equal(page.artist, undefined);
    if (songs.length < 20) break;
  }
  // Albums with a folder image sit in folders of their own (scripts/make-demo-audio).
  const files = readdirSync(required('TONEARM_TEST_AUDIO_DIR'), { recursive: true }).filter((f) => /\.(mp3|ogg|flac|opus|m4a)$/.test(f));
  assert.equal(seen.size, files.length);
  // Symfonium's "" (two double quotes) and the * of others mean the same.
  for (const query of ['""', '*']) {
    const same = ok(await alice.api.search3({ query, songCount: 500, artistCount: 500, albumCount: 500 })).searchResult3;
    assert.equal(same.song.length, files.length);
    assert.ok(same.artist.length >= 10 && same.album.length >= 10);
  }
  ok(await alice.api.search2({ query: 'bjork' }));
});

test('stream and download: ranges as in /v1, HEAD, the original bytes', async () => {
  const songs = ok(await alice.api.search3({ query: 'karma police', artistCount: 0, albumCount: 0 })).searchResult3.song;
  const id = songs[0].id;
  const whole = Buffer.from(await (await fetch(`${base}/v1/songs/${id}/stream`)).arrayBuffer());
  let extra = {};
  const ranged = new SubsonicAPI({
    url: base,
    auth: { username: alice.username, password: alice.appPassword },
    fetch: (u, init = {}) => fetch(u, { ...init, headers: { ...(init.headers ?? {}), ...extra } }),
  });
  extra = { Range: 'bytes=100-199' };
  const part = await ranged.stream({ id });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 100-199/${whole.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), whole.subarray(100, 200));
  extra = { Range: 'bytes=-10' };
  const tail = await ranged.stream({ id, maxBitRate: 128, format: 'mp3' });
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), whole.subarray(whole.length - 10));
  extra = { Range: `bytes=${whole.length + 5}-` };
  assert.equal((await ranged.stream({ id })).status, 416);
  extra = {};
  const dl = await alice.api.download({ id });
  assert.equal(dl.status, 200);
  assert.match(dl.headers.get('content-disposition'), /^attachment/);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), whole);
  const head = await fetch(`${base}/rest/stream?${new URLSearchParams({ u: alice.username, p: alice.appPassword, id })}`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(whole.length));
  // Every audio route, by GET and by POST (formPost).
  for (const route of ['stream', 'stream.view', 'download', 'download.view']) {
    for (const method of ['GET', 'POST']) {
      const form = new URLSearchParams({ u: alice.username, p: alice.appPassword, id });
      const r = method === 'GET'
        ? await fetch(`${base}/rest/${route}?${form}`)
        : await fetch(`${base}/rest/${route}`, { method, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form.toString() });
      assert.equal(r.status, 200, `${method} ${route}`);
      assert.equal((await r.arrayBuffer()).byteLength, whole.length);
    }
  }
  const missing = await alice.api.stream({ id: '999999999' });
  assert.match(missing.headers.get('content-type'), /json/);
  failed((await missing.json())['subsonic-response'], 70);
  ok(await alice.api.getLyricsBySongId({ id }));
});

// Width and height of a baseline or progressive JPEG, from its SOF segment.
function jpegSize(bytes) {
  for (let i = 2; i + 9 < bytes.length;) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    const length = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) return [bytes.readUInt16BE(i + 7), bytes.readUInt16BE(i + 5)];
    i += 2 + length;
  }
  return null;
}

test('cover art from a folder image: /v1 covers of album, song and author, and getCoverArt', async () => {
  // Björk's Homogenic again, now with a cover.jpg next to one of its files (the same
  // audio bytes: the song is unchanged, its cover is new). The test catalog gives Björk
  // no cover at all (scripts/make-demo-audio), so every cover of hers below is this one.
  const before = ok(await alice.api.search3({ query: 'bjork' })).searchResult3;
  assert.equal(before.artist[0].name, 'Björk');
  assert.equal(before.artist[0].coverArt, undefined);
  assert.ok(before.album.length >= 2 && before.album.every((a) => a.coverArt === undefined), JSON.stringify(before.album));
  const dir = mkdtempSync(path.join(tmpdir(), 'tonearm-covers-'));
  try {
    copyFileSync(path.join(required('TONEARM_TEST_AUDIO_DIR'), '06-Joga.mp3'), path.join(dir, '06-Joga.mp3'));
    execFileSync('ffmpeg', ['-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=0x336699:s=500x400',
      '-frames:v', '1', path.join(dir, 'cover.jpg')]);
    const out = execFileSync(required('TONEARM_BIN'), ['ingest', dir], { env: stack.env }).toString();
    assert.match(out, /0 added, 1 unchanged, 0 skipped, 1 covers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const album = ok(await alice.api.search3({ query: 'homogenic', artistCount: 0, songCount: 0 })).searchResult3.album[0];
  assert.equal(album.coverArt, album.id);
  const albumNumber = album.id.slice(3);
  const big = await fetch(`${base}/v1/albums/${albumNumber}/cover`);
  assert.equal(big.status, 200);
  assert.equal(big.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(jpegSize(Buffer.from(await big.arrayBuffer())), [300, 240]);
  const etag = big.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{64}"$/);
  assert.equal((await fetch(`${base}/v1/albums/${albumNumber}/cover`, { headers: { 'If-None-Match': etag } })).status, 304);
  const small = await fetch(`${base}/v1/albums/${albumNumber}/cover?size=64`);
  assert.deepEqual(jpegSize(Buffer.from(await small.arrayBuffer())), [64, 51]);
  const large = await fetch(`${base}/v1/albums/${albumNumber}/cover?size=640`);
  assert.deepEqual(jpegSize(Buffer.from(await large.arrayBuffer())), [500, 400], 'never enlarged');
  assert.equal((await fetch(`${base}/v1/albums/${albumNumber}/cover?size=65`)).status, 400);
  // Bachelorette has no picture of its own: its album's.
  const bachelorette = ok(await alice.api.search3({ query: 'bachelorette', artistCount: 0, albumCount: 0 })).searchResult3.song[0];
  assert.equal(bachelorette.coverArt, bachelorette.id);
  const songCover = await fetch(`${base}/v1/songs/${bachelorette.id}/cover?size=64`);
  assert.equal(songCover.status, 200);
  assert.equal(songCover.headers.get('etag'), small.headers.get('etag'));
  const bjork = ok(await alice.api.search3({ query: 'bjork', albumCount: 0, songCount: 0 })).searchResult3.artist[0];
  assert.equal(bjork.coverArt, bjork.id);
  assert.equal((await fetch(`${base}/v1/authors/${bjork.id.slice(3)}/cover`)).status, 200);
  const nirvana = ok(await alice.api.search3({ query: 'nevermind', artistCount: 0, songCount: 0 })).searchResult3.album[0];
  assert.equal(nirvana.coverArt, undefined);
  const none = await fetch(`${base}/v1/albums/${nirvana.id.slice(3)}/cover`);
  assert.equal(none.status, 404);
  assert.equal((await none.json()).error.code, 'not_found');

  const art = await alice.api.getCoverArt({ id: album.coverArt, size: 100 });
  assert.equal(art.status, 200);
  assert.equal(art.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(jpegSize(Buffer.from(await art.arrayBuffer())), [300, 240], 'the smallest size at least as large as asked');
  failed((await (await alice.api.getCoverArt({ id: nirvana.id })).json())['subsonic-response'], 70);
});

test('stars and ratings: songs are the liked songs of /v1, albums and artists too', async () => {
  const album = ok(await alice.api.getAlbumList2({ type: 'alphabeticalByName', size: 1 })).albumList2.album[0];
  const songs = ok(await alice.api.getAlbum({ id: album.id })).album.song;
  const artistId = album.artistId;
  ok(await alice.api.star({ id: songs[0].id, albumId: album.id, artistId }));
  const starred = ok(await alice.api.getStarred2()).starred2;
  assert.deepEqual(starred.song.map((s) => s.id), [songs[0].id]);
  assert.deepEqual(starred.album.map((a) => a.id), [album.id]);
  assert.deepEqual(starred.artist.map((a) => a.id), [artistId]);
  assert.ok(ok(await alice.api.getSong({ id: songs[0].id })).song.starred);
  const liked = await rest(alice.token, 'GET', '/v1/me/library/songs');
  assert.equal(String(liked.json.items[0].song.id), songs[0].id);
  ok(await alice.api.getStarred());
  assert.ok(ok(await alice.api.getAlbumList2({ type: 'starred' })).albumList2.album.some((a) => a.id === album.id));
  ok(await alice.api.unstar({ id: songs[0].id, albumId: album.id, artistId }));
  const none = ok(await alice.api.getStarred2()).starred2;
  assert.equal(none.song, undefined);
  failed(await alice.api.star({ id: '999999999' }), 70);

  ok(await alice.api.setRating({ id: album.id, rating: 4 }));
  assert.equal(ok(await alice.api.getAlbum({ id: album.id })).album.userRating, 4);
  assert.equal(ok(await alice.api.getAlbumList2({ type: 'highest' })).albumList2.album[0].id, album.id);
  ok(await alice.api.setRating({ id: songs[0].id, rating: 5 }));
  assert.equal(ok(await alice.api.getSong({ id: songs[0].id })).song.userRating, 5);
  ok(await alice.api.setRating({ id: songs[0].id, rating: 0 }));
  assert.equal(ok(await alice.api.getSong({ id: songs[0].id })).song.userRating, undefined);
  failed(await alice.api.setRating({ id: songs[0].id, rating: 6 }), 0);
  // bob sees none of alice's stars
  assert.equal(ok(await bob.api.getAlbum({ id: album.id })).album.userRating, undefined);
});

test('playlists are the /v1 playlists, with their owner rules', async () => {
  const songs = ok(await alice.api.search3({ query: '', songCount: 5, artistCount: 0, albumCount: 0 })).searchResult3.song;
  const made = ok(await alice.api.createPlaylist({ name: 'Road trip', songId: songs.slice(0, 3).map((s) => s.id) })).playlist;
  assert.equal(made.name, 'Road trip');
  assert.equal(made.songCount, 3);
  assert.deepEqual(made.entry.map((e) => e.id), songs.slice(0, 3).map((s) => s.id));
  assert.equal(made.owner, alice.username);
  assert.equal(made.duration, songs.slice(0, 3).reduce((t, s) => t + s.duration, 0));
  const viaRest = await rest(alice.token, 'GET', `/v1/playlists/${made.id}`);
  assert.equal(viaRest.json.name, 'Road trip');

  ok(await alice.api.updatePlaylist({ playlistId: made.id, name: 'Road trip 2', comment: 'summer', public: false,
    songIdToAdd: [songs[3].id, songs[4].id], songIndexToRemove: [0] }));
  const after = ok(await alice.api.getPlaylist({ id: made.id })).playlist;
  assert.equal(after.name, 'Road trip 2');
  assert.equal(after.comment, 'summer');
  assert.equal(after.public, false);
  assert.deepEqual(after.entry.map((e) => e.id), [songs[1].id, songs[2].id, songs[3].id, songs[4].id]);
  assert.ok(ok(await alice.api.getPlaylists()).playlists.playlist.some((p) => p.id === made.id));

  // bob cannot see alice's private playlist, nor change her public one
  failed(await bob.api.getPlaylist({ id: made.id }), 70);
  const open = ok(await alice.api.createPlaylist({ name: 'Open' })).playlist;
  assert.equal(ok(await bob.api.getPlaylist({ id: open.id })).playlist.readonly, true);
  failed(await bob.api.updatePlaylist({ playlistId: open.id, name: 'mine now' }), 50);
  failed(await bob.api.deletePlaylist({ id: open.id }), 50);

  const replaced = ok(await alice.api.createPlaylist({ playlistId: made.id, songId: [songs[0].id] })).playlist;
  assert.deepEqual(replaced.entry.map((e) => e.id), [songs[0].id]);
  ok(await alice.api.deletePlaylist({ id: made.id }));
  failed(await alice.api.getPlaylist({ id: made.id }), 70);
  assert.equal((await rest(alice.token, 'GET', `/v1/playlists/${made.id}`)).status, 404);
  failed(await alice.api.createPlaylist({ name: '   ' }), 0);
});

test('scrobbles count plays once; the recent list follows them', async () => {
  const song = ok(await alice.api.search3({ query: 'hoppipolla', artistCount: 0, albumCount: 0 })).searchResult3.song[0];
  // Plays this server counted (charts are cached for a while, so not them).
  const plays = async () => {
    await fetch(`${base}/v1/charts/top?window=hour&limit=1`);  // waits for queued plays to reach Redis
    const text = await (await fetch(`${base}/metrics`)).text();
    return Number(/^tonearm_plays_recorded_total\{outcome="counted"\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  // A listener of its own (plays are counted once per address and user agent), so a
  // play kept in Redis by an earlier run is not the one this run counts.
  const ua = `subsonic-test ${randomBytes(6).toString('hex')}`;
  const api = new SubsonicAPI({
    url: base,
    auth: { username: alice.username, password: alice.appPassword },
    fetch: (u, init = {}) => fetch(u, { ...init, headers: { ...(init.headers ?? {}), 'User-Agent': ua } }),
  });
  const before = await plays();
  ok(await api.scrobble({ id: song.id, submission: false }));
  assert.equal(await plays(), before, '"now playing" is no play');
  ok(await api.scrobble({ id: song.id, submission: true }));
  ok(await api.scrobble({ id: song.id }));  // the same listener again: deduplicated
  assert.equal(await plays(), before + 1);
  const recent = ok(await alice.api.getAlbumList2({ type: 'recent' })).albumList2.album;
  assert.equal(recent[0].id, song.albumId);
  failed(await alice.api.scrobble({ id: '999999999' }), 70);
});

test('the play queue follows the user from a Subsonic app to the REST API and back', async () => {
  const songs = ok(await alice.api.search3({ query: '', songCount: 3, artistCount: 0, albumCount: 0 })).searchResult3.song;
  const empty = ok(await bob.api.getPlayQueue()).playQueue;
  assert.equal(empty.entry, undefined);
  ok(await alice.api.savePlayQueue({ id: songs.map((s) => s.id), current: songs[1].id, position: 42000 }));
  const q = ok(await alice.keyApi.getPlayQueue()).playQueue;
  assert.deepEqual(q.entry.map((e) => e.id), songs.map((s) => s.id));
  assert.equal(q.current, songs[1].id);
  assert.equal(q.position, 42000);
  assert.equal(q.changedBy, 'subsonic-api');
  assert.equal(q.username, alice.username);
  const viaRest = await rest(alice.token, 'GET', '/v1/me/player/queue');
  assert.deepEqual(viaRest.json.song_ids, songs.map((s) => s.id));
  assert.equal(viaRest.json.current_song_id, songs[1].id);
  assert.equal(viaRest.json.songs.length, 3);
  const put = await rest(alice.token, 'PUT', '/v1/me/player/queue', { song_ids: [songs[2].id], current_song_id: songs[2].id, position_ms: 5, device: 'web' });
  assert.equal(put.status, 200);
  const back = ok(await alice.api.getPlayQueue()).playQueue;
  assert.deepEqual(back.entry.map((e) => e.id), [songs[2].id]);
  assert.equal(back.changedBy, 'web');
  failed(await alice.api.savePlayQueue({ id: [songs[0].id], current: songs[1].id }), 0);
  assert.equal((await rest(alice.token, 'PUT', '/v1/me/player/queue', { song_ids: [songs[0].id] })).status, 400);
});

test('a revoked API key or app password stops working at once', async () => {
  const key = await rest(alice.token, 'POST', '/v1/me/app-passwords', { label: 'temp', kind: 'api_key' });
  const temp = new SubsonicAPI({ url: base, auth: { apiKey: key.json.secret } });
  ok(await temp.ping());
  const listed = await rest(alice.token, 'GET', '/v1/me/app-passwords');
  assert.ok(listed.json.items.some((c) => c.id === key.json.id && c.kind === 'api_key' && !('secret' in c)));
  assert.equal((await rest(alice.token, 'DELETE', `/v1/me/app-passwords/${key.json.id}`)).status, 204);
  failed(await temp.ping(), 44);
  const pw = await rest(alice.token, 'POST', '/v1/me/app-passwords', { label: 'temp phone' });
  const tempPw = new SubsonicAPI({ url: base, auth: { username: alice.username, password: pw.json.secret } });
  ok(await tempPw.ping());
  assert.equal((await rest(bob.token, 'DELETE', `/v1/me/app-passwords/${pw.json.id}`)).status, 404);  // not bob's
  assert.equal((await rest(alice.token, 'DELETE', `/v1/me/app-passwords/${pw.json.id}`)).status, 204);
  failed(await tempPw.ping(), 40);
  assert.equal((await rest(alice.token, 'POST', '/v1/me/app-passwords', { label: '' })).status, 400);
  assert.equal((await rest(alice.token, 'POST', '/v1/me/app-passwords', { label: 'x', kind: 'magic' })).status, 400);
});

test('no password, token, salt or key reaches the log', async () => {
  await new Promise((r) => setTimeout(r, 1200));  // the log is flushed every second
  const log = server.log();
  assert.match(log, /\/rest\/ping/);
  for (const secret of [alice.appPassword, alice.apiKey, bob.appPassword, bob.apiKey, PASSWORD]) {
    assert.ok(!log.includes(secret), `a secret is in the log`);
  }
  assert.doesNotMatch(log, /[?&](t|s|p|apiKey)=(?!REDACTED)/);
});

test('with app passwords stored, a server without their key refuses to start, saying why', async () => {
  const keyless = await stack.startServer({ TONEARM_SUBSONIC_SECRET_KEY: '' }).catch((e) => e);
  assert.ok(keyless instanceof Error, 'a server without the key must not start while app passwords are stored');
  assert.match(keyless.message, /subsonic_secret_key is not set/);
  const other = await stack.startServer({ TONEARM_SUBSONIC_SECRET_KEY: randomBytes(32).toString('hex') }).catch((e) => e);
  assert.ok(other instanceof Error);
  assert.match(other.message, /not the key the stored app passwords were sealed with/);
});
