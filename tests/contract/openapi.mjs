// What the contract checks share: loading docs/openapi.json, an ajv (JSON Schema
// 2020-12, the dialect of OpenAPI 3.1) that knows the document, and matching a request
// path to the document's path templates the way src/http/router.cpp matches routes.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const documentPath = join(root, 'docs', 'openapi.json');
export const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function loadDocument(path = documentPath) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

const docId = 'https://tonearm.invalid/openapi.json';

// An ajv holding the whole document under one id, so that "#/components/schemas/X"
// inside any schema resolves against the document, and schemaAt(pointer) compiles the
// schema found at a JSON pointer into it.
export function documentValidator(doc) {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  // Keywords OpenAPI adds to schemas: annotations, not assertions.
  for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(keyword);
  ajv.addSchema({ ...doc, $id: docId });
  const cache = new Map();
  return {
    ajv,
    schemaAt(pointer) {
      if (!cache.has(pointer)) {
        const validate = ajv.getSchema(`${docId}#${pointer}`);
        if (!validate) throw new Error(`no schema at ${pointer}`);
        cache.set(pointer, validate);
      }
      return cache.get(pointer);
    },
    errorsText(validate) {
      return ajv.errorsText(validate.errors, { separator: '; ', dataVar: 'body' });
    },
  };
}

export function pointerEscape(token) {
  return String(token).replaceAll('~', '~0').replaceAll('/', '~1');
}

function segments(path) {
  let p = path;
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p.startsWith('/')) p = p.slice(1);
  return p === '' ? [] : p.split('/');
}

const isParam = (s) => s.length > 2 && s.startsWith('{') && s.endsWith('}');

// The document's path template that `path` (no query) falls under, or null. Literal
// segments beat parameters, earliest first, as in the router ("/a/current" over
// "/a/{id}").
export function matchTemplate(templates, path) {
  const parts = segments(path);
  let best = null;
  let bestMask = null;
  for (const t of templates) {
    const ts = segments(t);
    if (ts.length !== parts.length) continue;
    let ok = true;
    const mask = [];
    for (let i = 0; i < ts.length && ok; ++i) {
      if (isParam(ts[i])) {
        ok = parts[i] !== '';
        mask.push(0);
      } else {
        ok = ts[i] === parts[i];
        mask.push(1);
      }
    }
    if (!ok) continue;
    if (!best || mask.join('') > bestMask.join('')) {
      best = t;
      bestMask = mask;
    }
  }
  return best;
}

// The document's operations as "METHOD /template" strings.
export function documentOperations(doc) {
  const out = [];
  for (const [template, item] of Object.entries(doc.paths ?? {}))
    for (const m of methods) if (item[m]) out.push(`${m.toUpperCase()} ${template}`);
  return out;
}

// A $ref inside the document ("#/components/responses/NotFound") resolved, once.
export function resolve(doc, node) {
  let n = node;
  for (let hops = 0; n && n.$ref && hops < 10; ++hops) {
    if (!n.$ref.startsWith('#/')) throw new Error(`external $ref not supported: ${n.$ref}`);
    n = n.$ref
      .slice(2)
      .split('/')
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((at, t) => (at === undefined ? undefined : at[t]), doc);
  }
  return n;
}
