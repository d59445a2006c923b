import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Passmint, VERSION, operationDescriptors, modeOfKey, DEFAULT_BASE_URL } from 'passmint';
import { PACKAGE_ROOT } from '../helpers/server.js';
import { LIVE_KEY, TEST_KEY, startStub, type Stub } from '../helpers/stub.js';

const LIST = { object: 'list', data: [], has_more: false };

describe('configuration', () => {
  it('reports the mode from the key prefix', () => {
    assert.equal(new Passmint(TEST_KEY).mode, 'test');
    assert.equal(new Passmint(LIVE_KEY).mode, 'live');
    assert.equal(modeOfKey('pmk_test_x'), 'test');
    assert.equal(modeOfKey('pmk_live_x'), 'live');
    assert.equal(modeOfKey('sk_test_x'), null);
  });

  it('refuses a missing key or one without a Passmint prefix', () => {
    assert.throws(() => new Passmint(''), TypeError);
    assert.throws(() => new Passmint(undefined as unknown as string), TypeError);
    assert.throws(() => new Passmint('whsec_abc'), /pmk_test_ or pmk_live_/);
  });

  it('refuses bad numeric settings', () => {
    assert.throws(() => new Passmint(TEST_KEY, { timeoutMs: 0 }), /timeoutMs/);
    assert.throws(() => new Passmint(TEST_KEY, { maxNetworkRetries: -1 }), /maxNetworkRetries/);
    assert.throws(() => new Passmint(TEST_KEY, { maxNetworkRetries: Number.NaN }), /maxNetworkRetries/);
  });

  it('defaults to the hosted API and trims a trailing slash', () => {
    assert.equal(new Passmint(TEST_KEY).baseUrl, DEFAULT_BASE_URL);
    assert.equal(new Passmint(TEST_KEY, { baseUrl: 'http://127.0.0.1:9/' }).baseUrl, 'http://127.0.0.1:9');
  });

  it('does not show the API key when the client is printed', async () => {
    const { inspect } = await import('node:util');
    const client = new Passmint(TEST_KEY);
    assert.ok(!inspect(client, { depth: 10, showHidden: true }).includes(TEST_KEY));
    assert.ok(!JSON.stringify(client).includes(TEST_KEY));
  });

  it('keeps VERSION equal to package.json', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8'));
    assert.equal(VERSION, pkg.version);
  });
});

describe('requests', () => {
  let stub: Stub;
  let pm: Passmint;
  before(async () => {
    stub = await startStub((req) => ({ status: 200, body: req.method === 'GET' && !/\/(pass|tmpl|whk)_/.test(req.path.split('/').pop() ?? '') ? LIST : { object: 'x', id: 'x_1' } }));
    pm = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl });
  });
  after(() => stub.close());

  it('sends the key, JSON, a User-Agent, and an Idempotency-Key on POST and PATCH only', async () => {
    stub.requests.length = 0;
    await pm.passes.create({ template_id: 'tmpl_1' });
    await pm.passes.update('pass_1', { metadata: { a: 1 } });
    await pm.passes.retrieve('pass_1');
    await pm.passes.void('pass_1');
    const [post, patch, get, del] = stub.requests;
    assert.equal(post.headers.authorization, `Bearer ${TEST_KEY}`);
    assert.equal(post.headers['content-type'], 'application/json');
    assert.match(String(post.headers['user-agent']), /^passmint-node\/\d+\.\d+\.\d+/);
    assert.deepEqual(JSON.parse(post.body), { template_id: 'tmpl_1' });
    assert.match(String(post.headers['idempotency-key']), /^[0-9a-f-]{36}$/);
    assert.match(String(patch.headers['idempotency-key']), /^[0-9a-f-]{36}$/);
    assert.notEqual(post.headers['idempotency-key'], patch.headers['idempotency-key']);
    assert.equal(get.headers['idempotency-key'], undefined);
    assert.equal(del.headers['idempotency-key'], undefined);
    assert.equal(get.body, '');
    assert.equal(del.method, 'DELETE');
  });

  it('sends the caller\'s Idempotency-Key', async () => {
    stub.requests.length = 0;
    const res = await pm.templates.create({ name: 'n', type: 'event', apple_style: 'eventTicket', design: { organization_name: 'o', description: 'd' } }, { idempotencyKey: 'my-key-1' });
    assert.equal(stub.requests[0].headers['idempotency-key'], 'my-key-1');
    assert.equal(res.lastResponse.idempotencyKey, 'my-key-1');
    assert.match(String(res.lastResponse.requestId), /^req_stub/);
    assert.equal(res.lastResponse.statusCode, 200);
    assert.equal(Object.keys(res).includes('lastResponse'), false, 'lastResponse is not enumerable');
  });

  it('encodes path parameters and query values, and skips undefined ones', async () => {
    stub.requests.length = 0;
    await pm.passes.retrieve('pass_a/b?c');
    await pm.passes.list({ template_id: 'tmpl_1', holder_email: 'a+b@example.com', limit: 3, starting_after: undefined });
    assert.equal(stub.requests[0].url, '/v1/passes/pass_a%2Fb%3Fc');
    assert.equal(stub.requests[1].path, '/v1/passes');
    assert.equal(stub.requests[1].query.get('holder_email'), 'a+b@example.com');
    assert.equal(stub.requests[1].query.get('limit'), '3');
    assert.equal(stub.requests[1].query.has('starting_after'), false);
  });

  it('refuses an empty id before sending anything', async () => {
    stub.requests.length = 0;
    await assert.rejects(pm.passes.retrieve(''), TypeError);
    await assert.rejects(pm.webhooks.deliveries.retry('whk_1', ''), /delivery_id/);
    assert.equal(stub.requests.length, 0);
  });

  it('has a method for every operation of openapi.json', async () => {
    const doc = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'openapi.json'), 'utf8'));
    const expected = new Set<string>();
    for (const [path, item] of Object.entries<Record<string, { operationId?: string }>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op || typeof op !== 'object' || !op.operationId) continue;
        expected.add(`${method.toUpperCase()} ${path.replace('{delivery_id}', 'whd_1').replace('{id}', path.startsWith('/v1/passes') ? 'pass_1' : path.startsWith('/v1/templates') ? 'tmpl_1' : path.startsWith('/v1/bundles') ? 'bndl_1' : 'whk_1')}`);
      }
    }
    assert.equal(Object.keys(operationDescriptors).length, expected.size);
    stub.requests.length = 0;
    const design = { organization_name: 'o', description: 'd' };
    await pm.passes.create({ template_id: 'tmpl_1' });
    await pm.passes.list();
    await pm.passes.retrieve('pass_1');
    await pm.passes.update('pass_1', { field_values: { a: 'b' } });
    await pm.passes.void('pass_1');
    await pm.passes.listEvents('pass_1');
    await pm.templates.create({ name: 'n', type: 'event', apple_style: 'eventTicket', design });
    await pm.templates.list();
    await pm.templates.retrieve('tmpl_1');
    await pm.templates.update('tmpl_1', { name: 'm' });
    await pm.templates.archive('tmpl_1');
    await pm.events.list();
    await pm.events.listForPass('pass_1');
    await pm.bundles.create({ pass_ids: ['pass_1'] });
    await pm.bundles.retrieve('bndl_1');
    await pm.webhooks.create({ url: 'https://example.com/h', events: ['*'] });
    await pm.webhooks.list();
    await pm.webhooks.retrieve('whk_1');
    await pm.webhooks.update('whk_1', { enabled: false });
    await pm.webhooks.delete('whk_1');
    await pm.webhooks.del('whk_1');
    await pm.webhooks.rotateSecret('whk_1');
    await pm.webhooks.deliveries.list('whk_1');
    await pm.webhooks.deliveries.retry('whk_1', 'whd_1');
    const seen = new Set(stub.requests.map((r) => `${r.method} ${r.path}`));
    assert.deepEqual([...seen].sort(), [...expected].sort());
  });

  it('sends no body to the actions that take none (retry, rotate_secret)', async () => {
    stub.requests.length = 0;
    await pm.webhooks.rotateSecret('whk_1');
    await pm.webhooks.deliveries.retry('whk_1', 'whd_1');
    for (const r of stub.requests) {
      assert.equal(r.body, '');
      assert.equal(r.headers['content-type'], undefined);
      assert.ok(r.headers['idempotency-key']);
    }
  });
});
