// Playback in a real headless Chromium while the instance serving the song is killed
// (SIGKILL), run by tests/cluster/playback against scripts/cluster:
//   node tests/web/failover.mjs EDGE_URL PLAIN_URL CLUSTER_DIR PORT:PID PORT:PID
// EDGE_URL is the cluster's nginx (deploy/nginx: edge cache in 1 MiB slices); PLAIN_URL
// an nginx that only balances (proxy_buffering off: the instance streams straight to
// the browser, so killing it cuts the browser's response). The song is long (24 MB) and
// the browser's download throttled to three times the music's pace, so that most of it
// is still to come when the instance dies. Each scenario passes when the audio never stalls for 2 s or
// more after the kill and the rest of the song came from the other instance; it prints
// the longest stall. The killed instance is started again (CLUSTER_DIR/tonearm-N/start).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { chromium } from 'playwright-core';

const [edgeUrl, plainUrl, clusterDir, ...instanceArgs] = process.argv.slice(2);
if (!edgeUrl || !plainUrl || !clusterDir || instanceArgs.length < 2) {
  console.error('usage: failover.mjs EDGE_URL PLAIN_URL CLUSTER_DIR PORT:PID PORT:PID...');
  process.exit(2);
}
const instances = instanceArgs.map((a, i) => {
  const [port, pid] = a.split(':').map(Number);
  return { n: i + 1, port, pid };
});
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function metric(instance, name, match = '') {
  const text = await (await fetch(`http://127.0.0.1:${instance.port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n'))
    if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{') && line.includes(match))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
// Stream requests an instance has answered or is answering (a request is counted in
// tonearm_http_requests_total when its response is done: a song takes minutes).
const streamGets = async (i) =>
  (await metric(i, 'tonearm_http_requests_total', 'route="/v1/songs/{id}/stream"')) +
  (await metric(i, 'tonearm_http_open_streams'));

async function alive(instance) {
  try {
    return (await fetch(`http://127.0.0.1:${instance.port}/healthz`)).ok;
  } catch {
    return false;
  }
}

// Starts a killed instance again and waits for it.
async function restart(instance) {
  const child = spawn(`${clusterDir}/tonearm-${instance.n}/start`, [], { detached: true, stdio: 'ignore' });
  child.unref();
  instance.pid = child.pid;
  for (let i = 0; i < 150 && !(await alive(instance)); i++) await sleep(100);
  assert.ok(await alive(instance), `instance ${instance.n} did not start again`);
}

// The longest song of the catalog (most of it is still to come at the kill).
async function longestSong() {
  const res = await fetch(`${plainUrl}/v1/search?q=long%20take&type=song&limit=50`);
  const items = (await res.json()).songs.items;
  return items.reduce((a, b) => (b.duration_ms > a.duration_ms ? b : a));
}

async function scenario(browser, name, base, pickVictim, { cut = false } = {}) {
  const song = await longestSong();
  // (Asked of the plain balancer: a HEAD through the edge would cache the first slice.)
  const size = Number((await fetch(`${plainUrl}${song.stream_url}`, { method: 'HEAD' })).headers.get('content-length'));
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/#/');
  await page.waitForSelector('#player');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const pace = size / (song.duration_ms / 1000); // bytes per second of music
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency: 0, downloadThroughput: 3 * pace, uploadThroughput: -1,
  });
  const before = await Promise.all(instances.map(streamGets));
  await page.evaluate(async (s) => {
    const audio = document.getElementById('audio');
    window.samples = [];
    setInterval(() => window.samples.push([performance.now(), audio.currentTime, audio.paused]), 50);
    const player = await import('/player.js');
    player.playList([s], 0);
  }, song);
  await page.waitForFunction(() => document.getElementById('audio').currentTime > 3, null, { timeout: 20_000 });

  const victim = await pickVictim(before);
  assert.ok(victim, `${name}: no instance is serving the song`);
  process.kill(victim.pid, 'SIGKILL');
  const killedAt = await page.evaluate(() => performance.now());
  const killedCt = await page.evaluate(() => document.getElementById('audio').currentTime);
  console.log(`${name}: SIGKILL to instance ${victim.n} (pid ${victim.pid}) at ${killedCt.toFixed(1)} s of "${song.title}" (${size} bytes, ${(song.duration_ms / 1000).toFixed(0)} s)`);
  const survivor = instances.find((i) => i !== victim);
  const survivorBefore = await streamGets(survivor);

  // The browser plays on from what it holds (the sockets between the dead instance,
  // nginx and the browser hold megabytes: minutes of music) and asks for more, with a
  // Range request, when that runs out. That moment, now: either the listener jumps to
  // the middle of the song, beyond everything fetched so far, or (cut) the browser's
  // connection is cut, as it is once those megabytes are played, and the player must
  // ask again from where it is.
  const ranges = [];
  page.on('request', (r) => {
    if (r.url().includes('/stream')) ranges.push(r.headers().range ?? '');
  });
  let edge;
  if (cut) {
    edge = await page.evaluate(() => {
      const a = document.getElementById('audio');
      window.jumped = performance.now();
      return a.buffered.length ? a.buffered.end(a.buffered.length - 1) : a.currentTime;
    });
    // The plain balancer's worker killed: the browser's connection is reset (nginx's
    // master starts a new worker at once).
    const workers = execFileSync('pgrep', ['-P', process.env.PLAIN_NGINX_PID]).toString().trim().split('\n');
    for (const w of workers) process.kill(Number(w), 'SIGKILL');
    // What the browser still holds (more than `buffered` shows) runs out in seconds at
    // 8 times the speed, unthrottled.
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    await page.evaluate(() => { document.getElementById('audio').playbackRate = 8; });
  } else {
    edge = await page.evaluate((to) => {
      const a = document.getElementById('audio');
      a.currentTime = to;
      window.jumped = performance.now();
      return to;
    }, song.duration_ms / 2000);
  }
  let rerequested = null;
  let ctThen = 0;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const now = await page.evaluate(() => document.getElementById('audio').currentTime);
    if (rerequested === null && (await streamGets(survivor)) > survivorBefore) {
      rerequested = (await page.evaluate(() => performance.now())) - killedAt;
      ctThen = now;
    }
    if (rerequested !== null && now > Math.max(edge + 3, ctThen + 2)) break;
    await sleep(100);
  }
  const fromPosition = ranges.filter((r) => /^bytes=[1-9][0-9]*-/.test(r));
  const { samples, ct, error, jumpedAt } = await page.evaluate(() => ({
    samples: window.samples,
    ct: document.getElementById('audio').currentTime,
    error: document.getElementById('audio').error?.code ?? 0,
    jumpedAt: window.jumped,
  }));
  let stall = 0;
  let since = null;
  for (const [t, c, paused] of samples) {
    if (t < jumpedAt) continue;
    if (since === null || c > since.c + 0.01 || paused) {
      since = { t, c };
    } else {
      stall = Math.max(stall, t - since.t);
    }
  }
  const served = (await streamGets(survivor)) - survivorBefore;
  console.log(`${name}: ${cut ? `cut with ${edge.toFixed(1)} s held` : `jumped to ${edge.toFixed(1)} s`}, ` +
    `played on to ${ct.toFixed(1)} s; longest stall since ${(stall / 1000).toFixed(2)} s; ` +
    `Range requests after: ${JSON.stringify(fromPosition)}; ` +
    `the rest asked of instance ${survivor.n} ${rerequested === null ? 'never' : `${(rerequested / 1000).toFixed(2)} s after the kill`} ` +
    `(${served} stream request(s))`);
  assert.equal(error, 0, `${name}: the audio element reported error ${error}`);
  assert.ok(stall < 2000, `${name}: playback stalled ${(stall / 1000).toFixed(2)} s after the kill`);
  assert.ok(ct > edge + 2, `${name}: playback did not go on past ${edge.toFixed(1)} s`);
  assert.ok(fromPosition.length > 0, `${name}: no Range request from a position after the kill: ${JSON.stringify(ranges)}`);
  assert.ok(served > 0, `${name}: the rest of the song did not come from instance ${survivor.n}`);
  assert.deepEqual(errors, [], `${name}: page errors`);
  await context.close();
  await restart(victim);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--autoplay-policy=no-user-gesture-required', '--mute-audio'],
});
try {
  // Through the plain balancer the instance sends the song as the browser takes it:
  // the one with an open stream is serving it.
  await scenario(browser, 'balancer', plainUrl, async () => {
    for (let i = 0; i < 50; i++) {
      for (const inst of instances) if ((await metric(inst, 'tonearm_http_open_streams')) > 0) return inst;
      await sleep(100);
    }
    return null;
  });
  // The same, and then the browser's connection cut (as it is once the bytes already
  // in the sockets are played; here the balancer's worker is killed): the player asks
  // again from its position.
  await scenario(browser, 'balancer-cut', plainUrl, async () => {
    for (let i = 0; i < 50; i++) {
      for (const inst of instances) if ((await metric(inst, 'tonearm_http_open_streams')) > 0) return inst;
      await sleep(100);
    }
    return null;
  }, { cut: true });
  // Through the edge the instance that sent the first slice is the one to kill; the
  // edge has fetched only the slices played so far.
  await scenario(browser, 'edge', edgeUrl, async (before) => {
    const now = await Promise.all(instances.map(streamGets));
    return instances.find((inst, i) => now[i] > before[i]) ?? null;
  });
  console.log('failover playback: passed');
} finally {
  await browser.close();
}
