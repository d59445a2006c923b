// The CommonJS build: require('passmint') gives the same API as the ESM build.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from 'passmint';
import { PACKAGE_ROOT } from '../helpers/server.js';
import { TEST_KEY } from '../helpers/stub.js';

const require = createRequire(`${PACKAGE_ROOT}/package.json`);

describe('CommonJS build', () => {
  it('require() resolves to dist/cjs and exports what the ESM build exports', () => {
    const resolved = require.resolve('passmint');
    assert.match(resolved, /dist[\\/]cjs[\\/]index\.js$/);
    const cjs = require('passmint');
    assert.deepEqual(Object.keys(cjs).filter((k) => k !== '__esModule').sort(), Object.keys(esm).sort());
    const client = new cjs.Passmint(TEST_KEY);
    assert.equal(client.mode, 'test');
    assert.equal(cjs.default, cjs.Passmint);
    assert.ok(new cjs.NotFoundError({ type: 'not_found_error', message: 'x' }) instanceof cjs.PassmintError);
    assert.equal(typeof client.webhooks.constructEvent, 'function');
  });

  it('the ESM build has a default export too', () => {
    assert.equal(esm.default, esm.Passmint);
  });
});
