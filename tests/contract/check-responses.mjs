// Every reply the e2e tests received, checked against docs/openapi.json: the path and
// method are documented (or the reply is an error an undocumented one gets: 404/405, or
// 400/413/431/501 when the request is refused as it is read),
// the status is documented for the operation (a success status explicitly; an error
// may fall to `default`), the media type is one the document lists, and a JSON body
// validates against the response's schema. Prints which operations the run exercised
// and, with TONEARM_TEST_CONTRACT_COVERAGE=1 (a whole scripts/test run sets it), fails when
// a documented operation got no successful reply at all (a route the e2e tests never
// call has a schema nothing checks).
//   node tests/contract/check-responses.mjs build/e2e-logs/exchanges
// Run by ctest as openapi_responses, after every e2e test (test_support records the
// replies with TONEARM_TEST_LOG_DIR set).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadDocument, documentValidator, matchTemplate, documentOperations, pointerEscape } from './openapi.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: check-responses.mjs EXCHANGES_DIR');
  process.exit(2);
}
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.jsonl')) : [];
if (files.length === 0) {
  console.error(`check-responses: no recorded replies in ${dir}: did the e2e tests run with TONEARM_TEST_LOG_DIR?`);
  process.exit(1);
}

const doc = loadDocument();
const v = documentValidator(doc);
const templates = Object.keys(doc.paths);

// Follows a $ref of a response object; returns [object, its pointer].
function responseAt(pointer, node) {
  let p = pointer;
  let n = node;
  while (n && n.$ref) {
    p = n.$ref.slice(1);
    n = p
      .slice(1)
      .split('/')
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce((at, t) => at?.[t], doc);
  }
  return [n, p];
}

function mediaKey(content, contentType) {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (content[type]) return type;
  const wildcard = `${type.split('/')[0]}/*`;
  if (content[wildcard]) return wildcard;
  if (content['*/*']) return '*/*';
  return null;
}

const failures = [];
const seen = new Map(); // "GET /v1/x" -> Set of statuses
let checked = 0;
let bodies = 0;
let skipped = 0;

function fail(rec, why) {
  failures.push(`${rec.method} ${rec.target} -> ${rec.status} (${rec.test ?? 'unknown test'}): ${why}`);
}

function checkError(rec, why) {
  // An undocumented path or method: only an error the server gives before or at
  // routing may answer it (the router's 404/405; 400, 413, 431 and 501 for a request
  // refused as it is read).
  const beforeRouting = [400, 404, 405, 413, 431, 501];
  if (!beforeRouting.includes(rec.status))
    return fail(rec, `${why}, yet the reply is not one of ${beforeRouting.join('/')}`);
  if (rec.body === undefined) return fail(rec, `${why}: the ${rec.status} has no JSON error body`);
  const validate = v.schemaAt('/components/schemas/Error');
  if (!validate(JSON.parse(rec.body))) fail(rec, `error body: ${v.errorsText(validate)}`);
}

for (const file of files) {
  for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
    if (!line) continue;
    const rec = JSON.parse(line);
    // OPTIONS is the router's own answer for every path (Allow), not an operation.
    if (rec.method === 'OPTIONS') {
      ++skipped;
      continue;
    }
    ++checked;
    const path = rec.target.split('?')[0];
    const template = path.startsWith('/') ? matchTemplate(templates, path) : null;
    if (!template) {
      checkError(rec, 'no documented path matches');
      continue;
    }
    const item = doc.paths[template];
    let method = rec.method.toLowerCase();
    if (method === 'head' && !item.head) method = 'get'; // HEAD is GET without the body
    const op = item[method];
    if (!op) {
      checkError(rec, `${rec.method} is not documented for ${template}`);
      continue;
    }
    const opName = `${rec.method === 'HEAD' && !item.head ? 'GET' : rec.method} ${template}`;
    if (!seen.has(opName)) seen.set(opName, new Set());
    seen.get(opName).add(rec.status);

    const status = String(rec.status);
    const classKey = `${status[0]}XX`;
    const key = op.responses[status] ? status : op.responses[classKey] ? classKey : 'default';
    if (!op.responses[key]) {
      fail(rec, `status ${status} is not documented for ${opName}`);
      continue;
    }
    if (rec.status < 400 && key === 'default') {
      fail(rec, `success status ${status} of ${opName} is only covered by "default": document it`);
      continue;
    }
    const opPointer = `/paths/${pointerEscape(template)}/${method}/responses/${pointerEscape(key)}`;
    const [response, pointer] = responseAt(opPointer, op.responses[key]);
    const content = response.content ?? {};
    const hasBody = rec.method !== 'HEAD' && rec.body_bytes > 0;
    if (!hasBody) continue;
    if (Object.keys(content).length === 0) {
      fail(rec, `the document says ${status} has no body, the reply has ${rec.body_bytes} bytes (${rec.content_type})`);
      continue;
    }
    const media = mediaKey(content, rec.content_type || '');
    if (!media) {
      fail(rec, `content type "${rec.content_type}" is not one of ${Object.keys(content).join(', ')}`);
      continue;
    }
    if (rec.body === undefined || !content[media].schema) continue; // not JSON: the media type is the check
    let body;
    try {
      body = JSON.parse(rec.body);
    } catch (e) {
      fail(rec, `the body is not JSON: ${e.message}`);
      continue;
    }
    const validate = v.schemaAt(`${pointer}/content/${pointerEscape(media)}/schema`);
    ++bodies;
    if (!validate(body)) fail(rec, `body: ${v.errorsText(validate)}\n    ${rec.body.slice(0, 400).trim()}`);
  }
}

const operations = documentOperations(doc);
const unexercised = operations.filter((o) => ![...(seen.get(o) ?? [])].some((s) => s >= 200 && s < 400));
console.log(`check-responses: ${checked} replies checked (${bodies} JSON bodies against their schemas, ${skipped} OPTIONS skipped)`);
for (const o of operations) console.log(`  ${o.padEnd(48)} ${[...(seen.get(o) ?? [])].sort().join(' ') || '-'}`);
if (unexercised.length && process.env.TONEARM_TEST_CONTRACT_COVERAGE === '1') {
  failures.push(
    `no successful reply recorded for ${unexercised.length} documented operation(s): ${unexercised.join(', ')}` +
      ' (an e2e test should call each)'
  );
}
if (failures.length) {
  const shown = failures.slice(0, 60);
  console.error(`check-responses: ${failures.length} failure(s)\n- ${shown.join('\n- ')}`);
  if (failures.length > shown.length) console.error(`... and ${failures.length - shown.length} more`);
  process.exit(1);
}
if (unexercised.length) console.log(`check-responses: ${unexercised.length} operation(s) not exercised by this (partial) run`);
console.log('check-responses: every reply matches the document');
