// Retries: which answers are retried, with the same Idempotency-Key, how long the
// SDK waits (exponential backoff with jitter, Retry-After), and how many times.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IdempotencyError, InvalidRequestError, ApiError, Passmint, PassmintConnectionError } from 'passmint';
import { parseRetryAfter, retryDelay, MAX_RETRY_AFTER_MS } from '../../src/http.js';
import { TEST_KEY, errorBody, startStub, type Reply, type Stub } from '../helpers/stub.js';

const PASS = { object: 'pass', id: 'pass_1' };

describe('retries', () => {
  let stub: Stub;
  let pm: Passmint;
  before(async () => {
    stub = await startStub();
    pm = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, initialRetryDelayMs: 10, maxRetryDelayMs: 40 });
  });
  beforeEach(() => {
    stub.requests.length = 0;
  });
  after(() => stub.close());

  const sequence = (...replies: Reply[]) =>
    stub.handle((_req, n) => replies[Math.min(n - 1, replies.length - 1)]!);

  it('retries a 5xx, then succeeds, with the same Idempotency-Key', async () => {
    sequence({ status: 500, body: errorBody('api_error', 'boom') }, { status: 503, body: 'unavailable' }, { status: 200, body: PASS });
    const pass = await pm.passes.create({ template_id: 'tmpl_1' });
    assert.equal(pass.id, 'pass_1');
    assert.equal(stub.requests.length, 3);
    assert.equal(pass.lastResponse.attempts, 3);
    const keys = new Set(stub.requests.map((r) => r.headers['idempotency-key']));
    assert.equal(keys.size, 1);
    assert.ok([...keys][0]);
    assert.equal(new Set(stub.requests.map((r) => r.body)).size, 1);
  });

  it('retries a 409 idempotency_key_in_use', async () => {
    sequence({ status: 409, body: errorBody('idempotency_error', 'in flight', 'idempotency_key_in_use') }, { status: 200, body: PASS });
    const pass = await pm.passes.update('pass_1', { metadata: { a: 'b' } }, { idempotencyKey: 'k-409' });
    assert.equal(pass.id, 'pass_1');
    assert.deepEqual(stub.requests.map((r) => r.headers['idempotency-key']), ['k-409', 'k-409']);
  });

  it('does not retry a 409 for a key reused with another body', async () => {
    sequence({ status: 409, body: errorBody('idempotency_error', 'mismatch') }, { status: 200, body: PASS });
    await assert.rejects(pm.passes.create({ template_id: 'tmpl_1' }), IdempotencyError);
    assert.equal(stub.requests.length, 1);
  });

  it('does not retry a 400, 401, 402 or 404', async () => {
    for (const [status, type] of [[400, 'invalid_request_error'], [401, 'authentication_error'], [402, 'billing_error'], [404, 'not_found_error']] as const) {
      stub.requests.length = 0;
      sequence({ status, body: errorBody(type, 'no') }, { status: 200, body: PASS });
      await assert.rejects(pm.passes.create({ template_id: 'tmpl_1' }));
      assert.equal(stub.requests.length, 1, `${status} was retried`);
    }
  });

  it('retries a 429 and honours Retry-After', async () => {
    sequence({ status: 429, headers: { 'Retry-After': '1' }, body: errorBody('rate_limit_error', 'slow down') }, { status: 200, body: PASS });
    const t0 = Date.now();
    await pm.passes.retrieve('pass_1');
    const waited = Date.now() - t0;
    assert.equal(stub.requests.length, 2);
    assert.ok(waited >= 950, `waited only ${waited} ms`);
  });

  it('gives up after maxNetworkRetries (default 2) and throws the last error', async () => {
    sequence({ status: 500, body: errorBody('api_error', 'still broken') });
    const dflt = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, initialRetryDelayMs: 1 });
    await assert.rejects(dflt.passes.list(), (e: unknown) => e instanceof ApiError && e.message === 'still broken');
    assert.equal(stub.requests.length, 3);
    stub.requests.length = 0;
    await assert.rejects(pm.passes.list({}, { maxNetworkRetries: 0 }), ApiError);
    assert.equal(stub.requests.length, 1);
    stub.requests.length = 0;
    await assert.rejects(pm.passes.list({}, { maxNetworkRetries: 4 }), ApiError);
    assert.equal(stub.requests.length, 5);
  });

  it('retries a dropped connection with the same key, then succeeds', async () => {
    sequence({ drop: true }, { status: 200, body: PASS });
    const pass = await pm.passes.create({ template_id: 'tmpl_1' });
    assert.equal(pass.id, 'pass_1');
    assert.equal(stub.requests.length, 2);
    assert.equal(stub.requests[0].headers['idempotency-key'], stub.requests[1].headers['idempotency-key']);
  });

  it('retries timeouts, then throws PassmintConnectionError', async () => {
    sequence({ status: 200, body: PASS, delayMs: 300 });
    const slow = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, timeoutMs: 30, maxNetworkRetries: 1, initialRetryDelayMs: 1 });
    await assert.rejects(slow.passes.create({ template_id: 'tmpl_1' }), PassmintConnectionError);
    assert.equal(stub.requests.length, 2);
    assert.equal(stub.requests[0].headers['idempotency-key'], stub.requests[1].headers['idempotency-key']);
  });

  it('stops at once when the caller aborts', async () => {
    sequence({ status: 500, body: errorBody('api_error', 'x') });
    const ac = new AbortController();
    const slow = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, initialRetryDelayMs: 5_000, maxRetryDelayMs: 5_000 });
    const p = slow.passes.list({}, { signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    await assert.rejects(p, PassmintConnectionError);
    assert.ok(Date.now() - t0 < 2_000);
    assert.equal(stub.requests.length, 1);
  });

  it('a client error is not retried even with retries left', async () => {
    sequence({ status: 400, body: errorBody('invalid_request_error', 'bad', null, 'limit') });
    await assert.rejects(pm.passes.list({ limit: 1000 }), (e: unknown) => e instanceof InvalidRequestError && e.param === 'limit');
    assert.equal(stub.requests.length, 1);
  });
});

describe('backoff', () => {
  it('grows exponentially with jitter between half and all of the step, capped', () => {
    assert.equal(retryDelay(0, 500, 8000, undefined, () => 0), 250);
    assert.equal(retryDelay(0, 500, 8000, undefined, () => 1), 500);
    assert.equal(retryDelay(2, 500, 8000, undefined, () => 1), 2000);
    assert.equal(retryDelay(10, 500, 8000, undefined, () => 1), 8000);
    assert.equal(retryDelay(10, 500, 8000, undefined, () => 0), 4000);
    const samples = new Set(Array.from({ length: 20 }, () => retryDelay(1, 500, 8000)));
    assert.ok(samples.size > 1, 'jitter varies the delay');
    for (const s of samples) assert.ok(s >= 500 && s <= 1000);
  });

  it('uses Retry-After when sent, capped at a minute', () => {
    assert.equal(retryDelay(0, 500, 8000, 3000), 3000);
    assert.equal(retryDelay(0, 500, 8000, 10 * 60_000), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter('0.5'), 500);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
