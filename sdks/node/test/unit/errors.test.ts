// Every error type of the API, through a stub server: the class, the fields, the
// Request-Id. (The integration tests provoke the ones a real server can produce.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ApiError,
  AuthenticationError,
  BillingError,
  IdempotencyError,
  InvalidRequestError,
  NotFoundError,
  Passmint,
  PassmintConnectionError,
  PassmintError,
  WebhookVerificationError,
  errorClasses,
} from 'passmint';
import { PACKAGE_ROOT } from '../helpers/server.js';
import { TEST_KEY, errorBody, startStub, type Stub } from '../helpers/stub.js';

const CASES = [
  { type: 'invalid_request_error', status: 400, Class: InvalidRequestError, code: null, param: 'template_id' },
  { type: 'authentication_error', status: 401, Class: AuthenticationError, code: null, param: null },
  { type: 'billing_error', status: 402, Class: BillingError, code: 'pass_limit_reached', param: null },
  { type: 'not_found_error', status: 404, Class: NotFoundError, code: 'resource_missing', param: 'id' },
  { type: 'idempotency_error', status: 409, Class: IdempotencyError, code: null, param: null },
  { type: 'api_error', status: 500, Class: ApiError, code: null, param: null },
] as const;

describe('error classes', () => {
  let stub: Stub;
  let pm: Passmint;
  before(async () => {
    stub = await startStub();
    pm = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, maxNetworkRetries: 0 });
  });
  after(() => stub.close());

  it('has one class for each error type of the API document', () => {
    const doc = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'openapi.json'), 'utf8'));
    const types: string[] = doc.components.schemas.ErrorType.enum;
    assert.deepEqual(Object.keys(errorClasses).sort(), [...types].sort());
    assert.deepEqual(CASES.map((c) => c.type).sort(), [...types].sort());
    // The reference's table lists exactly these.
    for (const t of types) assert.ok(errorClasses[t as keyof typeof errorClasses].prototype instanceof PassmintError);
  });

  for (const c of CASES) {
    it(`${c.type} -> ${c.Class.name}`, async () => {
      stub.handle(() => ({ status: c.status, body: errorBody(c.type, `a ${c.type}`, c.code, c.param) }));
      const err = await pm.passes.create({ template_id: 'tmpl_1' }).then(
        () => assert.fail('no error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof c.Class, `got ${String(err)}`);
      assert.ok(err instanceof PassmintError);
      assert.ok(err instanceof Error);
      assert.equal(err.name, c.Class.name);
      assert.equal(err.type, c.type);
      assert.equal(err.message, `a ${c.type}`);
      assert.equal(err.code, c.code);
      assert.equal(err.param, c.param);
      assert.equal(err.statusCode, c.status);
      assert.match(String(err.requestId), /^req_stub\d+$/);
      assert.equal(err.requestId, err.headers['request-id']);
      assert.deepEqual(err.raw, errorBody(c.type, `a ${c.type}`, c.code, c.param).error);
    });
  }

  it('keeps an unknown error type on the base class', async () => {
    stub.handle(() => ({ status: 403, body: errorBody('permission_error', 'nope', 'x') }));
    const err = await pm.passes.retrieve('pass_1').catch((e: unknown) => e);
    assert.ok(err instanceof PassmintError);
    assert.equal((err as PassmintError).constructor, PassmintError);
    assert.equal((err as PassmintError).type, 'permission_error');
    assert.equal((err as PassmintError).statusCode, 403);
  });

  it('types an answer without an envelope by its status', async () => {
    stub.handle(() => ({ status: 502, body: '<html>Bad gateway</html>', headers: { 'Content-Type': 'text/html' } }));
    const err = await pm.passes.retrieve('pass_1').catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal((err as ApiError).statusCode, 502);
    assert.match((err as ApiError).message, /Unexpected 502 answer: <html>Bad gateway/);
    stub.handle(() => ({ status: 404, body: '' }));
    const nf = await pm.passes.retrieve('pass_1').catch((e: unknown) => e);
    assert.ok(nf instanceof NotFoundError);
  });

  it('refuses a 200 whose body is not JSON', async () => {
    stub.handle(() => ({ status: 200, body: 'not json' }));
    const err = await pm.passes.retrieve('pass_1').catch((e: unknown) => e);
    assert.ok(err instanceof PassmintError);
    assert.match((err as PassmintError).message, /Invalid JSON/);
  });

  it('throws PassmintConnectionError when nothing answers', async () => {
    const closed = await startStub();
    const url = closed.baseUrl;
    await closed.close();
    const offline = new Passmint(TEST_KEY, { baseUrl: url, maxNetworkRetries: 0 });
    const err = await offline.passes.list().catch((e: unknown) => e);
    assert.ok(err instanceof PassmintConnectionError, String(err));
    assert.ok(err instanceof PassmintError);
    assert.equal((err as PassmintConnectionError).type, 'connection_error');
    assert.equal((err as PassmintConnectionError).statusCode, undefined);
    assert.match((err as Error).message, /ECONNREFUSED/);
  });

  it('throws PassmintConnectionError on a timeout', async () => {
    stub.handle(() => ({ status: 200, body: {}, delayMs: 500 }));
    const slow = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, maxNetworkRetries: 0, timeoutMs: 50 });
    const err = await slow.passes.retrieve('pass_1').catch((e: unknown) => e);
    assert.ok(err instanceof PassmintConnectionError, String(err));
    assert.match((err as Error).message, /timed out after 50 ms/);
  });

  it('WebhookVerificationError is a PassmintError too', () => {
    const e = new WebhookVerificationError('x');
    assert.ok(e instanceof PassmintError);
    assert.equal(e.type, 'webhook_verification_error');
  });
});
