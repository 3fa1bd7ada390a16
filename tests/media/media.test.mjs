// Renditions and loudness over HTTP, as a player sees them: a tonearm with the test
// catalog ingested (loudness measured at ingest, every song queued), the originals
// playing at once, then `tonearm renditions` run as an operator would. Each quality
// is probed and seeked with ffmpeg/ffprobe over HTTP (their own range requests);
// durations match the original within 50 ms; ranges, If-Range and ETags are the
// rendition's own; a failed encode is noted, the original still plays, and a retry
// makes it.
// Run: node --test tests/media/media.test.mjs   (through scripts/test)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeStack, recordExchanges, required } from '../support/tonearm_stack.mjs';

recordExchanges('media.test.mjs');
const run = promisify(execFile);

let stack;
let server;
let base;
let songs;  // title -> song JSON, after the job

async function json(p) {
  const res = await fetch(`${base}${p}`);
  assert.equal(res.status, 200, `${p}: ${res.status}`);
  return res.json();
}

async function songByTitle(title) {
  const page = await json(`/v1/search?q=${encodeURIComponent(title)}&type=song&limit=5`);
  const song = page.songs.items.find((s) => s.title === title);
  assert.ok(song, `no song "${title}" in the catalog`);
  return song;
}

// `tonearm renditions ...` with the stack's configuration; {code, stdout, stderr}.
async function renditions(args = [], env = {}) {
  try {
    const { stdout, stderr } = await run(required('TONEARM_BIN'), ['renditions', ...args],
      { env: { ...stack.env, ...env }, timeout: 300_000, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    if (typeof err.code !== 'number') throw err;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

// One SQL statement on the stack's database; its output (unaligned, tuples only).
async function sql(query) {
  const { stdout } = await run('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1', stack.dbUrl, '-c', query], { timeout: 60_000 });
  return stdout.trim();
}

async function probe(url, entries) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'json', url], { timeout: 60_000 });
  return JSON.parse(stdout);
}

before(async () => {
  stack = await makeStack({ prefix: 'media', redisDb: 7, loudness: true });
  // A song is hot after 3 listeners in a minute: the hot cache is tested per rendition.
  server = await stack.startServer({ TONEARM_LOGIN_ATTEMPTS_PER_ADDRESS: '1000000', TONEARM_HOT_THRESHOLD: '3' });
  base = server.base;
});

after(async () => {
  await stack?.close();
});

test('before the job: loudness is known from ingest, the original plays at every quality', async () => {
  const song = await songByTitle('So What');  // FLAC
  assert.equal(song.renditions_pending, true);
  assert.deepEqual(song.renditions, []);
  assert.equal(typeof song.loudness_lufs, 'number');
  assert.equal(typeof song.true_peak_dbtp, 'number');
  assert.equal(song.gain_db, Math.round(Math.min(-14 - song.loudness_lufs, -1 - song.true_peak_dbtp) * 100) / 100);
  assert.equal(typeof song.album_gain_db, 'number');
  for (const quality of ['low', 'normal', 'high', 'original']) {
    const res = await fetch(`${base}/v1/songs/${song.id}/stream?quality=${quality}`, { headers: { Range: 'bytes=0-3' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('x-rendition'), 'original');
    assert.equal(res.headers.get('content-type'), 'audio/flac');
    assert.equal(await res.text(), 'fLaC');
  }
  const missing = await fetch(`${base}/v1/songs/${song.id}/stream?format=opus-96`);
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error.message, /no opus-96 rendition yet/);
});

test('a failed encode is noted and retried later; the original plays meanwhile', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tonearm-bad-ffmpeg-'));
  try {
    // An ffmpeg that measures (so that only encoding fails) and refuses to encode.
    const fake = path.join(dir, 'ffmpeg');
    writeFileSync(fake, '#!/bin/sh\ncase "$*" in *ebur128*) exec ffmpeg "$@";; esac\necho "encoder exploded" >&2\nexit 1\n');
    chmodSync(fake, 0o755);
    const song = await songByTitle('Blue in Green');
    // Only this song is due: the others wait.
    await sql(`UPDATE media_jobs SET not_before = now() + interval '1 hour' WHERE song_id <> ${song.id}`);
    const failed = await renditions([], { TONEARM_FFMPEG: fake });
    assert.equal(failed.code, 3, failed.stdout + failed.stderr);
    assert.match(failed.stdout, new RegExp(`failed song ${song.id}: encode: encoder exploded`));
    assert.match(failed.stdout, /0 songs done, 0 renditions, 0 loudness measured, 0.0 MB stored, 1 failed \(\d+ waiting to retry\)/);
    assert.equal(await sql(`SELECT count(*) FROM media_jobs WHERE song_id = ${song.id} AND attempts = 1
      AND last_error LIKE '%encoder exploded%' AND not_before > now() + interval '30 seconds'`), '1', 'the job waits before its retry');
    const again = await songByTitle('Blue in Green');
    assert.equal(again.renditions_pending, true);
    const res = await fetch(`${base}/v1/songs/${song.id}/stream?quality=low`, { headers: { Range: 'bytes=0-3' } });
    assert.equal(res.status, 206);
    assert.equal(res.headers.get('x-rendition'), 'original');
    // Not due yet: a plain run leaves it; --retry-failed takes it now.
    const idle = await renditions();
    assert.match(idle.stdout, /0 songs done/);
    const retried = await renditions(['--retry-failed']);
    assert.equal(retried.code, 0, retried.stdout + retried.stderr);
    assert.match(retried.stdout, /1 failed songs due again/);
    assert.match(retried.stdout, /1 songs done, 4 renditions, 0 loudness measured/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the job makes the renditions of the whole queue and reports them', async () => {
  await sql('UPDATE media_jobs SET not_before = now()');
  const r = await renditions(['--workers', '2']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /renditions: \d+ songs done, \d+ renditions, .* 0 failed \(0 waiting to retry\), [\d.]+ s, [\d.]+ songs\/min/);
  // Nothing left: a second run does nothing.
  assert.match((await renditions()).stdout, /renditions: 0 songs done, 0 renditions/);
  songs = {};
  for (const title of ['So What', 'Blue in Green', 'Karma Police', 'Hoppípolla', 'Everything in Its Right Place'])
    songs[title] = await songByTitle(title);
  const formats = (s) => s.renditions.map((x) => x.format).sort();
  // FLAC: every rung. A 96 kb/s MP3: none (no rung has a quarter fewer bits). Opus and
  // Vorbis: AAC, for browsers without them.
  assert.deepEqual(formats(songs['So What']), ['aac-128', 'opus-160', 'opus-256', 'opus-96']);
  assert.deepEqual(formats(songs['Karma Police']), []);
  assert.deepEqual(formats(songs['Hoppípolla']), ['aac-128']);
  assert.deepEqual(formats(songs['Everything in Its Right Place']), ['aac-128']);
  for (const s of Object.values(songs)) assert.equal(s.renditions_pending, false, s.title);
  // A server that streamed the song while it waited reads it again within seconds.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${base}/v1/songs/${songs['So What'].id}/stream?quality=low`, { method: 'HEAD' });
    if (res.headers.get('x-rendition') === 'opus-96') break;
    assert.ok(Date.now() < deadline, 'the stream still serves the original at quality=low');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test('every quality plays and seeks over HTTP with the original duration', async () => {
  const song = songs['So What'];
  const original = await probe(`${base}/v1/songs/${song.id}/stream`, 'format=duration');
  const originalMs = Number(original.format.duration) * 1000;
  const expected = { low: ['opus-96', 'opus'], normal: ['opus-160', 'opus'], high: ['opus-256', 'opus'], original: ['original', 'flac'] };
  for (const [quality, [format, codec]] of Object.entries(expected)) {
    const url = `${base}/v1/songs/${song.id}/stream?quality=${quality}`;
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('x-rendition'), format);
    const info = await probe(url, 'format=duration:stream=codec_name');
    assert.equal(info.streams[0].codec_name, codec, quality);
    assert.ok(Math.abs(Number(info.format.duration) * 1000 - originalMs) <= 50,
      `${quality}: ${info.format.duration} s vs ${original.format.duration} s`);
    // Seek: ffmpeg jumps to 20 s with range requests and decodes from there.
    const { stdout } = await run('ffprobe', ['-v', 'error', '-read_intervals', '20%+#3', '-select_streams', 'a:0',
      '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', url], { timeout: 60_000 });
    const first = Number(stdout.trim().split('\n')[0]);
    assert.ok(first >= 19 && first <= 21, `${quality}: the first packet after a seek to 20 s is at ${first} s`);
    const { stdout: pcm } = await run('ffmpeg', ['-v', 'error', '-ss', '20', '-i', url, '-t', '2', '-f', 's16le', '-ac', '1', '-ar', '8000', '-'],
      { encoding: 'buffer', timeout: 60_000, maxBuffer: 1 << 20 });
    assert.ok(Math.abs(pcm.length - 2 * 8000 * 2) <= 2 * 8000 * 0.1, `${quality}: 2 s decoded after the seek, got ${pcm.length} bytes`);
  }
  // Browsers without Opus get AAC at every quality.
  const aac = await fetch(`${base}/v1/songs/${song.id}/stream?quality=low&codecs=aac,mp3`, { method: 'HEAD' });
  assert.equal(aac.headers.get('x-rendition'), 'aac-128');
  assert.equal(aac.headers.get('content-type'), 'audio/mp4');
  const m4a = await probe(`${base}/v1/songs/${song.id}/stream?format=aac-128`, 'format=duration:stream=codec_name');
  assert.equal(m4a.streams[0].codec_name, 'aac');
  assert.ok(Math.abs(Number(m4a.format.duration) * 1000 - originalMs) <= 50, `aac: ${m4a.format.duration} s`);
});

test('each rendition is its own blob: size, ETag, ranges and If-Range', async () => {
  const song = songs['So What'];
  const etags = new Set();
  for (const r of song.renditions) {
    const url = `${base}${r.stream_url}`;
    const full = await fetch(url, { method: 'HEAD' });
    assert.equal(full.headers.get('content-length'), String(r.byte_size));
    assert.equal(full.headers.get('content-type'), r.mime_type);
    assert.equal(full.headers.get('x-rendition'), r.format);
    assert.match(full.headers.get('cache-control'), /immutable/);
    const etag = full.headers.get('etag');
    etags.add(etag);
    const part = await fetch(url, { headers: { Range: 'bytes=1000-1999', 'If-Range': etag } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${r.byte_size}`);
    assert.equal((await part.arrayBuffer()).byteLength, 1000);
    const suffix = await fetch(url, { headers: { Range: 'bytes=-100' } });
    assert.equal(suffix.headers.get('content-range'), `bytes ${r.byte_size - 100}-${r.byte_size - 1}/${r.byte_size}`);
    await suffix.arrayBuffer();
    assert.equal((await fetch(url, { headers: { 'If-None-Match': etag } })).status, 304);
    const beyond = await fetch(url, { headers: { Range: `bytes=${r.byte_size}-` } });
    assert.equal(beyond.status, 416);
    await beyond.arrayBuffer();
  }
  assert.equal(etags.size, song.renditions.length, 'every rendition has its own ETag');
  // The original's validator does not match a rendition: the whole rendition comes back.
  const originalEtag = (await fetch(`${base}/v1/songs/${song.id}/stream`, { method: 'HEAD' })).headers.get('etag');
  assert.ok(!etags.has(originalEtag));
  const mismatch = await fetch(`${base}/v1/songs/${song.id}/stream?quality=low`, { headers: { Range: 'bytes=0-9', 'If-Range': originalEtag } });
  assert.equal(mismatch.status, 200);
  await mismatch.arrayBuffer();
});

test('a play of a rendition counts like a play of the original', async () => {
  const song = songs['So What'];
  const counted = async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = text.match(/^tonearm_plays_recorded_total\{outcome="counted"\} (\d+)/m);
    return m ? Number(m[1]) : 0;
  };
  const before = await counted();
  const res = await fetch(`${base}/v1/songs/${song.id}/stream?quality=normal`, { headers: { 'User-Agent': 'media-test-listener' } });
  assert.equal(res.headers.get('x-rendition'), 'opus-160');
  await res.arrayBuffer();
  const deadline = Date.now() + 10_000;
  while ((await counted()) <= before) {
    assert.ok(Date.now() < deadline, 'the play was not counted');
    await new Promise((r) => setTimeout(r, 100));
  }
});

test('the hot cache keeps the rendition that is played, byte for byte', async () => {
  const song = songs['Blue in Green'];
  const url = `${base}/v1/songs/${song.id}/stream?quality=low`;
  const fromStore = Buffer.from(await (await fetch(`${base}/v1/songs/${song.id}/stream?format=opus-96`)).arrayBuffer());
  const deadline = Date.now() + 20_000;
  let listener = 0;
  for (;;) {
    // A new listener each time: plays are counted once per listener.
    const res = await fetch(url, { headers: { 'User-Agent': `hot-listener-${listener++}` } });
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(res.headers.get('x-rendition'), 'opus-96');
    if (res.headers.get('x-cache') === 'HIT') {
      assert.ok(body.equals(fromStore), 'the hot copy is the rendition, byte for byte');
      break;
    }
    assert.ok(Date.now() < deadline, 'the rendition never became hot');
    await new Promise((r) => setTimeout(r, 200));
  }
  // The original of the same song was not played: it is not hot.
  const original = await fetch(`${base}/v1/songs/${song.id}/stream?format=original`, { headers: { Range: 'bytes=0-3' } });
  assert.equal(original.headers.get('x-cache'), 'MISS');
  await original.arrayBuffer();
});

test('bad parameters get a 400 with the reason', async () => {
  const id = songs['So What'].id;
  for (const [query, pattern] of [['quality=best', /'quality' takes low, normal, high or original/],
    ['codecs=ogg', /'codecs' is a comma-separated list/], ['format=mp3-320', /'format' takes original, opus-96/]]) {
    const res = await fetch(`${base}/v1/songs/${id}/stream?${query}`);
    assert.equal(res.status, 400, query);
    const body = await res.json();
    assert.equal(body.error.code, 'bad_request');
    assert.match(body.error.message, pattern);
  }
});

test('Subsonic apps get renditions by maxBitRate and format; download is the original', async () => {
  const username = `media${Date.now().toString(36)}`;
  const password = 'correct horse battery staple';
  const post = (p, body, token) => fetch(`${base}${p}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.equal((await post('/v1/users', { username, password })).status, 201);
  const { token } = await (await post('/v1/sessions', { username, password })).json();
  const key = await post('/v1/me/app-passwords', { label: 'player', kind: 'api_key' }, token);
  assert.equal(key.status, 201);
  const apiKey = (await key.json()).secret;
  const id = songs['So What'].id;
  const rendition = async (method, extra) => {
    const res = await fetch(`${base}/rest/${method}?apiKey=${encodeURIComponent(apiKey)}&v=1.16.1&c=media-test&id=${id}${extra}`,
      { headers: { Range: 'bytes=0-3' } });
    assert.equal(res.status, 206, `${method}${extra}`);
    await res.arrayBuffer();
    return res.headers.get('x-rendition');
  };
  assert.equal(await rendition('stream', ''), 'original');
  assert.equal(await rendition('stream', '&maxBitRate=96'), 'opus-96');
  assert.equal(await rendition('stream', '&maxBitRate=192'), 'opus-160');
  assert.equal(await rendition('stream', '&format=opus'), 'opus-256');
  assert.equal(await rendition('stream', '&format=aac&maxBitRate=320'), 'aac-128');
  assert.equal(await rendition('stream', '&format=raw&maxBitRate=96'), 'original');
  assert.equal(await rendition('download', '&maxBitRate=96'), 'original');
});
