// The web player's modules import each other without cycles (a cycle makes module
// start-up order matter and hides which module owns what).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const web = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

function importsOf(file) {
  const text = readFileSync(join(web, file), 'utf8');
  return [...text.matchAll(/^\s*import\s[^'"]*['"]\.\/([\w-]+\.js)['"]/gm)].map((m) => m[1]);
}

test('web modules have no import cycles', () => {
  const files = readdirSync(web).filter((f) => f.endsWith('.js'));
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  for (const [file, deps] of graph) for (const d of deps) assert.ok(graph.has(d), `${file} imports missing ${d}`);
  const state = new Map(); // 1: on the current path, 2: done
  const path = [];
  const visit = (f) => {
    if (state.get(f) === 2) return;
    if (state.get(f) === 1) assert.fail(`import cycle: ${[...path.slice(path.indexOf(f)), f].join(' -> ')}`);
    state.set(f, 1);
    path.push(f);
    for (const d of graph.get(f)) visit(d);
    path.pop();
    state.set(f, 2);
  };
  for (const f of files) visit(f);
  assert.ok(graph.get('songlist.js').every((d) => !['library.js', 'playlists.js'].includes(d)));
});
