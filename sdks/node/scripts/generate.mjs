#!/usr/bin/env node
// Generates src/generated/openapi.ts from the checked-in openapi.json (the document
// the server serves at GET /v1/openapi.json). No dependencies: it understands the
// subset of OpenAPI 3.1 / JSON Schema 2020-12 the server's document uses ($ref,
// type lists, enum, const, oneOf/anyOf/allOf, properties/required,
// additionalProperties, items; `if`/`then` conditions are validation only) and fails loudly on anything else it would otherwise
// have to guess.
//
//   npm run generate            # write src/generated/openapi.ts
//   node scripts/generate.mjs --check   # exit 1 if the file is not up to date
//
// The output has, for every component schema, an exported type of the same name;
// for every operation, an entry in the `operations` interface (path parameters,
// query, body, response) and in the runtime table `operationDescriptors` (method,
// path, parameter names, whether it takes an Idempotency-Key) that the SDK's
// resources call through.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_PATH = join(ROOT, 'openapi.json');
export const OUTPUT_PATH = join(ROOT, 'src', 'generated', 'openapi.ts');

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

// Keywords that carry no type information (documentation and validation only).
const IGNORED = new Set([
  'description', 'examples', 'example', 'default', 'format', 'pattern', 'title',
  'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
  'minItems', 'maxItems', 'uniqueItems', 'minProperties', 'maxProperties', 'propertyNames',
  'contentEncoding', 'contentMediaType', 'readOnly', 'writeOnly', 'deprecated', 'multipleOf',
  // Conditional requirements (the Design's poster scheme needs some semantic tags):
  // they constrain values the types already allow.
  'if', 'then', 'else', 'contains',
]);
const TYPED = new Set([
  '$ref', 'type', 'enum', 'const', 'oneOf', 'anyOf', 'allOf', 'properties', 'required',
  'additionalProperties', 'items',
]);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function fail(where, what) {
  throw new Error(`generate: ${what} at ${where}`);
}

function refName(ref, where) {
  const m = /^#\/components\/schemas\/([A-Za-z0-9_]+)$/.exec(ref);
  if (!m) fail(where, `unsupported $ref ${ref}`);
  return m[1];
}

function propKey(name) {
  return IDENT.test(name) ? name : JSON.stringify(name);
}

function literal(v) {
  return JSON.stringify(v);
}

/** A JSDoc block from a schema's description and constraints, or ''. */
function jsdoc(schema, indent) {
  if (!schema || typeof schema !== 'object') return '';
  const lines = [];
  if (typeof schema.description === 'string' && schema.description.trim()) {
    lines.push(...schema.description.trim().split('\n'));
  }
  const tags = [];
  for (const k of ['format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'minItems', 'maxItems', 'maxProperties']) {
    if (schema[k] !== undefined) tags.push(`@${k} ${typeof schema[k] === 'string' ? schema[k] : JSON.stringify(schema[k])}`);
  }
  if (schema.default !== undefined) tags.push(`@default ${JSON.stringify(schema.default)}`);
  if (schema.deprecated) tags.push('@deprecated');
  if (lines.length && tags.length) lines.push('');
  lines.push(...tags);
  if (!lines.length) return '';
  const safe = lines.map((l) => l.replace(/\*\//g, '*\\/').trimEnd());
  return `${indent}/**\n${safe.map((l) => (l ? `${indent} * ${l}` : `${indent} *`)).join('\n')}\n${indent} */\n`;
}

function union(parts) {
  const uniq = [...new Set(parts)];
  if (uniq.includes('unknown')) return 'unknown';
  return uniq.length === 1 ? uniq[0] : uniq.map((p) => (p.includes('=>') ? `(${p})` : p)).join(' | ');
}

/** Whether a type expression has a `|` or `&` outside any brackets or strings. */
function compound(t) {
  let depth = 0;
  let quote = null;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"') quote = c;
    else if ('{[(<'.includes(c)) depth++;
    else if ('}])>'.includes(c)) depth--;
    else if (depth === 0 && (c === '|' || c === '&')) return true;
  }
  return false;
}

function paren(t) {
  return compound(t) ? `(${t})` : t;
}

/** The TypeScript type of a schema. `indent` is the indentation of the line it starts on. */
export function tsType(schema, where, indent = '') {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  if (typeof schema !== 'object' || schema === null) fail(where, 'schema is not an object');
  for (const k of Object.keys(schema)) {
    if (!IGNORED.has(k) && !TYPED.has(k)) fail(where, `unsupported keyword ${k}`);
  }
  if (schema.$ref) return refName(schema.$ref, where);
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum) {
    let parts = schema.enum.map(literal);
    // `type: ["string", "null"]` with an enum of strings: null is allowed too.
    const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
    if (types.includes('null') && !schema.enum.includes(null)) parts = [...parts, 'null'];
    return union(parts);
  }
  const combos = [];
  for (const k of ['oneOf', 'anyOf']) {
    if (schema[k]) combos.push(union(schema[k].map((s, i) => paren(tsType(s, `${where}/${k}/${i}`, indent)))));
  }
  if (schema.allOf) {
    // A sub-schema of conditions only (`if`/`then`) adds no type.
    const typed = schema.allOf
      .map((s, i) => [s, i])
      .filter(([s]) => !(s && typeof s === 'object' && Object.keys(s).every((k) => IGNORED.has(k))));
    if (typed.length) combos.push(typed.map(([s, i]) => paren(tsType(s, `${where}/allOf/${i}`, indent))).join(' & '));
  }

  const hasShape = schema.type !== undefined || schema.properties || schema.additionalProperties !== undefined || schema.items;
  if (!hasShape) {
    if (!combos.length) return 'unknown';
    return combos.length === 1 ? combos[0] : combos.map(paren).join(' & ');
  }
  let types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (!types.length) types = schema.items ? ['array'] : ['object'];
  const parts = types.map((t) => {
    switch (t) {
      case 'string': return 'string';
      case 'integer':
      case 'number': return 'number';
      case 'boolean': return 'boolean';
      case 'null': return 'null';
      case 'array': return `Array<${tsType(schema.items, `${where}/items`, indent)}>`;
      case 'object': return objectType(schema, where, indent);
      default: return fail(where, `unsupported type ${t}`);
    }
  });
  let base = union(parts);
  if (combos.length) {
    // Sub-schemas that only add requirements to this object (as UpdatePassRequest's
    // anyOf): an intersection keeps both.
    base = [paren(base), ...combos.map(paren)].join(' & ');
  }
  return base;
}

function objectType(schema, where, indent) {
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const inner = `${indent}  `;
  const lines = [];
  for (const [name, sub] of Object.entries(props)) {
    const opt = required.has(name) ? '' : '?';
    lines.push(`${jsdoc(sub, inner)}${inner}${propKey(name)}${opt}: ${tsType(sub, `${where}/properties/${name}`, inner)};`);
  }
  const ap = schema.additionalProperties;
  const hasProps = Object.keys(props).length > 0;
  if (ap === false) {
    if (!hasProps) return 'Record<string, never>';
  } else if (ap === undefined || ap === true) {
    if (!hasProps) return '{ [key: string]: unknown }';
  } else {
    const t = tsType(ap, `${where}/additionalProperties`, inner);
    if (!hasProps) return `{ [key: string]: ${t} }`;
    lines.push(`${inner}[key: string]: unknown;`);
  }
  // An object with only extra required names (anyOf branches) and no properties.
  for (const name of required) {
    if (!(name in props)) lines.push(`${inner}${propKey(name)}: unknown;`);
  }
  if (!lines.length) return 'Record<string, never>';
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function schemaOf(content, where) {
  if (!content) return undefined;
  const json = content['application/json'];
  if (!json) fail(where, 'a body that is not application/json');
  return json.schema;
}

/** The whole generated module as a string. */
export function generate(doc) {
  if (typeof doc.openapi !== 'string' || !doc.openapi.startsWith('3.1')) {
    throw new Error(`generate: expected an OpenAPI 3.1 document, got ${doc.openapi}`);
  }
  const out = [];
  out.push('// This file is generated by scripts/generate.mjs from openapi.json (the document the');
  out.push('// server serves at GET /v1/openapi.json). Do not edit it: run `npm run generate`.');
  out.push('/* eslint-disable */');
  out.push('');
  out.push(`/** Version of the API document this file was generated from (\`info.version\`). */`);
  out.push(`export const apiVersion = ${literal(String(doc.info?.version ?? ''))};`);
  out.push('');
  out.push('// ----- Schemas (components/schemas) -----');
  out.push('');
  const schemas = doc.components?.schemas ?? {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (!IDENT.test(name)) fail(`#/components/schemas/${name}`, 'schema name is not an identifier');
    const t = tsType(schema, `#/components/schemas/${name}`, '');
    const doc_ = jsdoc(schema, '');
    if (t.startsWith('{\n') && !compound(t)) out.push(`${doc_}export interface ${name} ${t}`);
    else out.push(`${doc_}export type ${name} = ${t};`);
    out.push('');
  }

  // Operations, in document order.
  const ops = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const where = `#/paths/${path}/${method}`;
      if (!op.operationId) fail(where, 'operation without operationId');
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p, i) => {
        if (p.$ref) fail(`${where}/parameters/${i}`, 'parameter $ref is not supported');
        return p;
      });
      const ok = op.responses?.['200'] ?? op.responses?.['201'];
      ops.push({
        id: op.operationId,
        summary: op.summary,
        description: op.description,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path'),
        query: params.filter((p) => p.in === 'query'),
        idempotent: params.some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key'),
        body: op.requestBody ? schemaOf(op.requestBody.content, `${where}/requestBody`) : undefined,
        bodyRequired: Boolean(op.requestBody?.required),
        response: ok ? schemaOf(ok.content, `${where}/responses/200`) : undefined,
        where,
      });
    }
  }

  out.push('// ----- Operations (paths) -----');
  out.push('');
  out.push('/** Every operation of the API by operationId: its parameters, body and answer. */');
  out.push('export interface operations {');
  for (const op of ops) {
    const head = [op.summary, op.description].filter(Boolean).join('\n\n');
    out.push(jsdoc({ description: `${head}${head ? '\n\n' : ''}\`${op.method} ${op.path}\`` }, '  ') + `  ${op.id}: {`);
    const paramBlock = (list, indent) => {
      if (!list.length) return 'Record<string, never>';
      const lines = list.map((p) => {
        const d = jsdoc({ ...p.schema, description: p.description ?? p.schema?.description }, `${indent}  `);
        return `${d}${indent}  ${propKey(p.name)}${p.required ? '' : '?'}: ${tsType(p.schema, `${op.where}/parameters/${p.name}`, `${indent}  `)};`;
      });
      return `{\n${lines.join('\n')}\n${indent}}`;
    };
    out.push(`    pathParams: ${paramBlock(op.pathParams, '    ')};`);
    out.push(`    query: ${paramBlock(op.query, '    ')};`);
    out.push(`    body: ${op.body ? tsType(op.body, `${op.where}/requestBody`, '    ') : 'never'};`);
    out.push(`    bodyRequired: ${op.body ? op.bodyRequired : false};`);
    out.push(`    response: ${op.response ? tsType(op.response, `${op.where}/responses/200`, '    ') : 'unknown'};`);
    out.push('  };');
  }
  out.push('}');
  out.push('');
  out.push('/** An operationId of the API. */');
  out.push('export type OperationId = keyof operations;');
  out.push('');
  out.push('/** How each operation is called: used by the SDK at run time. */');
  out.push('export interface OperationDescriptor {');
  out.push('  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";');
  out.push('  /** The path template, with `{name}` for each path parameter. */');
  out.push('  readonly path: string;');
  out.push('  readonly pathParams: readonly string[];');
  out.push('  readonly queryParams: readonly string[];');
  out.push('  /** Whether the operation documents the `Idempotency-Key` header. */');
  out.push('  readonly idempotent: boolean;');
  out.push('  /** Whether the operation takes a JSON body. */');
  out.push('  readonly hasBody: boolean;');
  out.push('}');
  out.push('');
  out.push('export const operationDescriptors = {');
  for (const op of ops) {
    out.push(`  ${op.id}: {`);
    out.push(`    method: ${literal(op.method)},`);
    out.push(`    path: ${literal(op.path)},`);
    out.push(`    pathParams: [${op.pathParams.map((p) => literal(p.name)).join(', ')}],`);
    out.push(`    queryParams: [${op.query.map((p) => literal(p.name)).join(', ')}],`);
    out.push(`    idempotent: ${op.idempotent},`);
    out.push(`    hasBody: ${Boolean(op.body)},`);
    out.push('  },');
  }
  out.push('} as const satisfies Record<OperationId, OperationDescriptor>;');
  out.push('');

  // Webhooks (the OpenAPI 3.1 `webhooks` section): the event payload type.
  const hooks = Object.entries(doc.webhooks ?? {});
  if (hooks.length) {
    out.push('// ----- Webhooks (webhooks) -----');
    out.push('');
    out.push('/** The payload of each webhook the API sends, by name. */');
    out.push('export interface webhooks {');
    for (const [name, item] of hooks) {
      const op = item.post;
      if (!op) fail(`#/webhooks/${name}`, 'a webhook without post');
      const body = schemaOf(op.requestBody?.content, `#/webhooks/${name}/post/requestBody`);
      out.push(`${jsdoc({ description: op.summary }, '  ')}  ${propKey(name)}: {`);
      const headers = (op.parameters ?? []).filter((p) => p.in === 'header');
      out.push(`    headers: {`);
      for (const h of headers) {
        out.push(`${jsdoc(h.schema, '      ')}      ${propKey(h.name.toLowerCase())}${h.required ? '' : '?'}: ${tsType(h.schema, `#/webhooks/${name}/${h.name}`, '      ')};`);
      }
      out.push('    };');
      out.push(`    body: ${tsType(body, `#/webhooks/${name}/post/requestBody`, '    ')};`);
      out.push('  };');
    }
    out.push('}');
    out.push('');
  }
  return out.join('\n');
}

export function generateFromFile(specPath = SPEC_PATH) {
  return generate(JSON.parse(readFileSync(specPath, 'utf8')));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateFromFile();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUTPUT_PATH, 'utf8');
    } catch {
      // missing: not up to date
    }
    if (current !== text) {
      console.error(`${OUTPUT_PATH} is not up to date with openapi.json: run \`npm run generate\``);
      process.exit(1);
    }
    console.log(`${OUTPUT_PATH} is up to date`);
  } else {
    writeFileSync(OUTPUT_PATH, text);
    console.log(`wrote ${OUTPUT_PATH}`);
  }
}
