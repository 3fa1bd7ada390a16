// A tonearm under test for Node test files: a fresh database with the test catalog
// ingested, a Redis database of its own, a blob directory, and servers started on free
// ports. Needs (as exported by scripts/test): TONEARM_BIN, TONEARM_TEST_DATABASE_URL,
// TONEARM_TEST_REDIS_URL, TONEARM_TEST_AUDIO_DIR.
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { appendFileSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run these tests through scripts/test (or export it)`);
  return v;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// With TONEARM_TEST_LOG_DIR set (scripts/test), every reply a fetch gets is recorded as
// the C++ tests record theirs (exchanges/*.jsonl), so tests/contract/check-responses.mjs
// checks it against docs/openapi.json. Installs itself as the global fetch: clients
// made afterwards (subsonic-api binds the global fetch when made) record too.
export function recordExchanges(testName) {
  const dir = process.env.TONEARM_TEST_LOG_DIR;
  if (!dir) return;
  const folder = path.join(dir, 'exchanges');
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, `node-${process.pid}.jsonl`);
  const plain = globalThis.fetch;
  globalThis.fetch = async (input, init = {}) => {
    const res = await plain(input, init);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const type = res.headers.get('content-type') ?? '';
    const line = { method: (init.method ?? 'GET').toUpperCase(), target: url.pathname + url.search, status: res.status,
      content_type: type, test: testName };
    if (type.startsWith('application/json')) {
      const body = await res.clone().text();
      line.body = body;
      line.body_bytes = Buffer.byteLength(body);
    }
    appendFileSync(file, `${JSON.stringify(line)}\n`);
    return res;
  };
}

const stacks = [];
// Last resort if the runner dies before close(): no tonearm is left behind.
process.on('exit', () => {
  for (const stack of stacks)
    for (const s of stack.servers) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGTERM');
});

// `prefix` names the database; `redisDb` is this suite's Redis database number (the C++
// tests share db 0, and FLUSHDB is not allowed); `env` is added to every server's.
// `loudness`: ingest measures it (off by default: only tests of it pay for the decode).
export async function makeStack({ prefix, redisDb, env: extra = {}, loudness = false }) {
  const bin = required('TONEARM_BIN');
  const adminUrl = required('TONEARM_TEST_DATABASE_URL');
  const stack = {
    servers: [],
    adminUrl,
    dbName: `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`,
    blobDir: await mkdtemp(path.join(tmpdir(), `tonearm-${prefix}-blobs-`)),
    env: null,
  };
  stacks.push(stack);
  stack.psql = (sql) => run('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', adminUrl, '-c', sql], { timeout: 60_000 });
  await stack.psql(`CREATE DATABASE ${stack.dbName}`);
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${stack.dbName}`;
  stack.dbUrl = dbUrl.toString();
  const redisUrl = new URL(required('TONEARM_TEST_REDIS_URL'));
  redisUrl.pathname = `/${redisDb}`;
  const env = { ...process.env };
  // tonearm refuses unknown TONEARM_* variables: drop the test-only ones.
  for (const k of Object.keys(env)) if (k.startsWith('TONEARM_')) delete env[k];
  stack.env = {
    ...env,
    TONEARM_CONFIG: '/dev/null',
    TONEARM_DATABASE_URL: stack.dbUrl,
    TONEARM_REDIS_URL: redisUrl.toString(),
    TONEARM_BLOB_DIR: stack.blobDir,
    TONEARM_WEB_DIR: path.join(ROOT, 'web'),
    ...extra,
  };
  await run(bin, ['migrate'], { env: stack.env, timeout: 60_000 });
  await run(bin, ['ingest', required('TONEARM_TEST_AUDIO_DIR')],
    { env: { ...stack.env, TONEARM_INGEST_LOUDNESS: String(loudness) }, timeout: 120_000, maxBuffer: 16 << 20 });

  // Starts `tonearm serve` on a free port (extra env on top of the stack's) and waits
  // for /healthz. Returns {proc, base, exited, log()}.
  stack.startServer = async (more = {}) => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const proc = spawn(bin, ['serve'], {
      env: { ...stack.env, ...more, TONEARM_LISTEN: `127.0.0.1:${port}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = { proc, base, output: '', exited: new Promise((resolve) => proc.on('exit', resolve)) };
    server.log = () => server.output;
    const keep = (chunk) => { server.output += chunk.toString(); };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    stack.servers.push(server);
    const until = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`tonearm serve exited (${proc.exitCode}):\n${server.output.slice(-3000)}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) return server;
      } catch { /* not listening yet */ }
      if (Date.now() > until) throw new Error(`tonearm did not answer /healthz in time:\n${server.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  stack.stopServer = async (server) => {
    if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGTERM');
    const timer = setTimeout(() => server.proc.kill('SIGKILL'), 15_000);
    await server.exited;
    clearTimeout(timer);
  };
  stack.close = async () => {
    await Promise.all(stack.servers.map(stack.stopServer));
    await stack.psql(`DROP DATABASE IF EXISTS ${stack.dbName} WITH (FORCE)`).catch(() => {});
    await rm(stack.blobDir, { recursive: true, force: true });
  };
  return stack;
}
