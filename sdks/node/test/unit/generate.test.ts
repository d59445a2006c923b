// src/generated/openapi.ts is what scripts/generate.mjs makes of the checked-in
// openapi.json: regenerating gives the same file.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PACKAGE_ROOT } from '../helpers/server.js';

describe('generated types', () => {
  it('src/generated/openapi.ts is up to date with openapi.json', async () => {
    const gen = await import(pathToFileURL(join(PACKAGE_ROOT, 'scripts', 'generate.mjs')).href);
    const fresh: string = gen.generateFromFile(join(PACKAGE_ROOT, 'openapi.json'));
    const checkedIn = readFileSync(join(PACKAGE_ROOT, 'src', 'generated', 'openapi.ts'), 'utf8');
    assert.ok(fresh === checkedIn, 'src/generated/openapi.ts differs from a fresh `npm run generate`: run it and commit the result');
  });

  it('the generator refuses what it does not understand instead of guessing', async () => {
    const gen = await import(pathToFileURL(join(PACKAGE_ROOT, 'scripts', 'generate.mjs')).href);
    assert.throws(() => gen.generate({ openapi: '3.0.3', paths: {} }), /OpenAPI 3.1/);
    assert.throws(
      () => gen.generate({ openapi: '3.1.0', info: { version: '1' }, paths: {}, components: { schemas: { X: { type: 'object', patternProperties: {} } } } }),
      /unsupported keyword patternProperties/,
    );
    assert.throws(
      () => gen.generate({ openapi: '3.1.0', info: { version: '1' }, paths: {}, components: { schemas: { X: { $ref: 'other.json#/X' } } } }),
      /unsupported \$ref/,
    );
  });

  it('maps the JSON Schema constructs the document uses', async () => {
    const gen = await import(pathToFileURL(join(PACKAGE_ROOT, 'scripts', 'generate.mjs')).href);
    const t = (s: unknown) => gen.tsType(s, '#');
    assert.equal(t({ type: ['string', 'null'] }), 'string | null');
    assert.equal(t({ enum: ['a', 'b'], type: 'string' }), '"a" | "b"');
    assert.equal(t({ oneOf: [{ $ref: '#/components/schemas/Design' }, { type: 'null' }] }), 'Design | null');
    assert.equal(t({ type: 'array', items: { type: 'integer' } }), 'Array<number>');
    assert.equal(t({ type: 'object', additionalProperties: { type: 'string' } }), '{ [key: string]: string }');
    assert.equal(t({ type: 'object', additionalProperties: false }), 'Record<string, never>');
    assert.equal(t({ type: 'object', properties: { a: { type: 'boolean' } }, required: ['a'] }), '{\n  a: boolean;\n}');
    assert.equal(t({}), 'unknown');
    assert.equal(
      t({ type: 'object', properties: { a: { type: 'boolean' } }, allOf: [{ if: { required: ['a'] }, then: { required: ['b'] } }] }),
      '{\n  a?: boolean;\n}',
      'conditions add no type',
    );
  });
});
