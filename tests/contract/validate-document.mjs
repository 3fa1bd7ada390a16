// docs/openapi.json is a valid OpenAPI 3.1 document (the official schema, through
// @seriousme/openapi-schema-validator), and more than valid: every $ref resolves,
// operationIds are unique, each {param} of a path is declared, every operation has
// tags, a summary, a success response and `default`, and every example in it
// validates against its own schema (so the examples a reader copies are true).
//   node tests/contract/validate-document.mjs [docs/openapi.json]
import { Validator } from '@seriousme/openapi-schema-validator';
import { loadDocument, documentPath, documentValidator, methods, pointerEscape } from './openapi.mjs';

const path = process.argv[2] ?? documentPath;
const doc = loadDocument(path);
const problems = [];

const validator = new Validator();
const result = await validator.validate(doc);
if (validator.version !== '3.1') problems.push(`the document is OpenAPI ${validator.version}, not 3.1`);
if (!result.valid) {
  for (const e of [].concat(result.errors ?? [])) problems.push(`schema: ${e.instancePath ?? ''} ${e.message ?? JSON.stringify(e)}`);
}

// Every $ref points at something.
function walk(node, pointer, visit) {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${pointer}/${i}`, visit));
  else if (node && typeof node === 'object') {
    visit(node, pointer);
    for (const [k, n] of Object.entries(node)) walk(n, `${pointer}/${pointerEscape(k)}`, visit);
  }
}
const at = (pointer) =>
  pointer
    .slice(1)
    .split('/')
    .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((n, t) => n?.[t], doc);
walk(doc, '', (node, pointer) => {
  if (typeof node.$ref === 'string') {
    if (!node.$ref.startsWith('#/')) problems.push(`${pointer}: external $ref ${node.$ref}`);
    else if (at(node.$ref.slice(1)) === undefined) problems.push(`${pointer}: $ref ${node.$ref} resolves to nothing`);
  }
});

const deref = (n) => {
  while (n && n.$ref) n = at(n.$ref.slice(1));
  return n;
};

const v = documentValidator(doc);
const ids = new Map();
let operations = 0;
let examples = 0;

function checkExample(value, schemaPointer, where) {
  ++examples;
  const validate = v.schemaAt(schemaPointer);
  if (!validate(value)) problems.push(`${where}: the example does not match its schema: ${v.errorsText(validate)}`);
}

// Examples of a media type object at `pointer` (example, examples.*.value).
function checkMedia(media, pointer, where) {
  if (!media?.schema) return;
  const schemaPointer = `${pointer}/schema`;
  if (media.example !== undefined) checkExample(media.example, schemaPointer, where);
  for (const [name, ex] of Object.entries(media.examples ?? {})) {
    const e = deref(ex);
    if (e && e.value !== undefined) checkExample(e.value, schemaPointer, `${where} (example ${name})`);
  }
}

for (const [template, item] of Object.entries(doc.paths ?? {})) {
  const params = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  for (const m of methods) {
    const op = item[m];
    if (!op) continue;
    ++operations;
    const name = `${m.toUpperCase()} ${template}`;
    if (!op.operationId) problems.push(`${name}: no operationId`);
    else if (ids.has(op.operationId)) problems.push(`${name}: operationId ${op.operationId} also used by ${ids.get(op.operationId)}`);
    else ids.set(op.operationId, name);
    if (!op.summary) problems.push(`${name}: no summary`);
    if (!op.tags?.length) problems.push(`${name}: no tags`);
    const declared = [...(item.parameters ?? []), ...(op.parameters ?? [])].map(deref);
    for (const p of params)
      if (!declared.some((d) => d?.in === 'path' && d.name === p)) problems.push(`${name}: path parameter {${p}} is not declared`);
    for (const d of declared)
      if (d?.in === 'path' && !params.includes(d.name)) problems.push(`${name}: declares path parameter ${d.name} the path does not have`);
    const statuses = Object.keys(op.responses ?? {});
    if (!statuses.some((s) => /^[23]/.test(s))) problems.push(`${name}: no success response`);
    if (!statuses.includes('default')) problems.push(`${name}: no default (error) response`);
    const opPointer = `/paths/${pointerEscape(template)}/${m}`;
    if (op.requestBody) {
      const body = deref(op.requestBody);
      const bodyPointer = op.requestBody.$ref ? op.requestBody.$ref.slice(1) : `${opPointer}/requestBody`;
      for (const [type, media] of Object.entries(body.content ?? {}))
        checkMedia(media, `${bodyPointer}/content/${pointerEscape(type)}`, `${name} request ${type}`);
    }
    let successExamples = 0;
    for (const [status, r] of Object.entries(op.responses ?? {})) {
      const response = deref(r);
      const responsePointer = r.$ref ? r.$ref.slice(1) : `${opPointer}/responses/${pointerEscape(status)}`;
      for (const [type, media] of Object.entries(response?.content ?? {})) {
        const before = examples;
        checkMedia(media, `${responsePointer}/content/${pointerEscape(type)}`, `${name} ${status} ${type}`);
        const schema = deref(media.schema);
        if (examples > before || media.example !== undefined || schema?.examples?.length) successExamples += /^2/.test(status);
      }
    }
    const jsonSuccess = Object.entries(op.responses ?? {}).some(
      ([s, r]) => /^2/.test(s) && deref(r)?.content?.['application/json']
    );
    if (jsonSuccess && successExamples === 0) problems.push(`${name}: no example of its JSON success response`);
  }
}

// Schema-level examples of the components.
for (const [name, schema] of Object.entries(doc.components?.schemas ?? {}))
  for (const [i, ex] of (schema.examples ?? []).entries())
    checkExample(ex, `/components/schemas/${pointerEscape(name)}`, `components.schemas.${name} example ${i}`);

if (problems.length) {
  console.error(`validate-document: ${problems.length} problem(s) in ${path}\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`validate-document: ${path} is valid OpenAPI 3.1: ${operations} operations, ${examples} examples checked`);
