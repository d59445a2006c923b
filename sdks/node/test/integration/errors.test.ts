// Each error type a real server can be made to answer, as the SDK's class with
// every field. `api_error` (500) cannot be provoked on a healthy server (a client
// mistake is never a 500): test/unit/errors.test.ts covers it with a stub server.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthenticationError,
  BillingError,
  IdempotencyError,
  InvalidRequestError,
  NotFoundError,
  Passmint,
  PassmintError,
} from 'passmint';
import { design, makeSigningIdentity, startPassmint, type Account, type PassmintServer } from '../helpers/server.js';

const REQUEST_ID = /^req_[0-9A-Za-z]{24}$/;

async function caught(p: Promise<unknown>): Promise<PassmintError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof PassmintError, `not a PassmintError: ${String(e)}`);
    return e;
  }
  assert.fail('the call did not fail');
}

describe('error types from a real server', { timeout: 120_000 }, () => {
  let server: PassmintServer;
  let account: Account;
  let pm: Passmint;
  let templateId: string;

  before(async () => {
    server = await startPassmint();
    account = await server.createAccount('SDK errors');
    pm = new Passmint(account.test_key, { baseUrl: server.baseUrl });
    templateId = (await pm.templates.create({ name: 'E', type: 'event', apple_style: 'eventTicket', design: design() })).id;
  });
  after(async () => {
    await server?.stop();
  });

  it('authentication_error: an unknown key, and a revoked one', async () => {
    const unknown = new Passmint(`pmk_test_${'Z'.repeat(40)}`, { baseUrl: server.baseUrl });
    const err = await caught(unknown.passes.list());
    assert.ok(err instanceof AuthenticationError);
    assert.equal(err.type, 'authentication_error');
    assert.equal(err.statusCode, 401);
    assert.match(String(err.requestId), REQUEST_ID);
    assert.ok(err.message.length > 0);

    const minted = (await server.cli(['keys', 'create', '--account', account.account_id, '--mode', 'test'])) as { key: string };
    assert.match(minted.key, /^pmk_test_/);
    await server.cli(['keys', 'revoke', minted.key]);
    const revoked = await caught(new Passmint(minted.key, { baseUrl: server.baseUrl }).templates.list());
    assert.ok(revoked instanceof AuthenticationError);
  });

  it('invalid_request_error: a missing field, a bad limit, an unknown field', async () => {
    const missing = await caught(pm.passes.create({} as never));
    assert.ok(missing instanceof InvalidRequestError);
    assert.equal(missing.type, 'invalid_request_error');
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.param, 'template_id');
    assert.equal(missing.message, 'template_id is required');
    assert.match(String(missing.requestId), REQUEST_ID);

    const limit = await caught(pm.passes.list({ limit: 1000 }));
    assert.ok(limit instanceof InvalidRequestError);
    assert.equal(limit.param, 'limit');

    const unknownField = await caught(pm.passes.create({ template_id: templateId, colour: 'red' } as never));
    assert.ok(unknownField instanceof InvalidRequestError);
    assert.equal(unknownField.param, 'colour');

    const noTemplate = await caught(pm.passes.create({ template_id: 'tmpl_000000000000000000000000' }));
    assert.ok(noTemplate instanceof InvalidRequestError);
    assert.equal(noTemplate.code, 'resource_missing');
    assert.equal(noTemplate.param, 'template_id');
  });

  it('not_found_error: an unknown id', async () => {
    const err = await caught(pm.passes.retrieve('pass_000000000000000000000000'));
    assert.ok(err instanceof NotFoundError);
    assert.equal(err.type, 'not_found_error');
    assert.equal(err.statusCode, 404);
    assert.equal(err.code, 'resource_missing');
    assert.equal(err.param, 'id');
    assert.match(String(err.requestId), REQUEST_ID);
    assert.ok(err.raw && typeof err.raw === 'object');
    const hook = await caught(pm.webhooks.retrieve('whk_000000000000000000000000'));
    assert.ok(hook instanceof NotFoundError);
  });

  it('idempotency_error: a key reused with another body (not retried)', async () => {
    const key = `sdk-mismatch-${Date.now()}`;
    await pm.passes.create({ template_id: templateId, holder_name: 'First' }, { idempotencyKey: key });
    const err = await caught(pm.passes.create({ template_id: templateId, holder_name: 'Second' }, { idempotencyKey: key }));
    assert.ok(err instanceof IdempotencyError);
    assert.equal(err.type, 'idempotency_error');
    assert.equal(err.statusCode, 409);
    assert.equal(err.code, null);
    assert.match(String(err.requestId), REQUEST_ID);
    // Exactly one pass was issued under that key.
    const holders = (await pm.passes.list({ template_id: templateId })).data.map((p) => p.holder_name);
    assert.deepEqual(holders, ['First']);
  });

  it('billing_error: a live pass beyond the live pass limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passmint-sdk-identity-'));
    try {
      const limited = await server.createAccount('SDK billing', ['--live-pass-limit', '0']);
      const id = await makeSigningIdentity(dir);
      await server.cli(['accounts', 'set-signing-identity', '--account', limited.account_id, '--cert', id.cert, '--key', id.key, '--wwdr', id.wwdr]);
      const live = new Passmint(limited.live_key, { baseUrl: server.baseUrl });
      assert.equal(live.mode, 'live');
      const tmpl = await live.templates.create({ name: 'Live', type: 'event', apple_style: 'eventTicket', design: design() });
      const err = await caught(live.passes.create({ template_id: tmpl.id }));
      assert.ok(err instanceof BillingError, String(err));
      assert.equal(err.type, 'billing_error');
      assert.equal(err.statusCode, 402);
      assert.equal(err.code, 'pass_limit_reached');
      assert.match(String(err.requestId), REQUEST_ID);
      // Test mode is never limited.
      const test = new Passmint(limited.test_key, { baseUrl: server.baseUrl });
      assert.equal((await test.passes.create({ template_id: tmpl.id })).mode, 'test');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
