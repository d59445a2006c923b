// constructEvent against signatures made by the reference `standardwebhooks`
// package: accepted when genuine, refused when the body, secret or time is wrong.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { Passmint, WebhookVerificationError, constructEvent, generateTestHeaders, verifySignature } from 'passmint';
import { TEST_KEY } from '../helpers/stub.js';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);

const EVENT = {
  id: 'evt_3kTMd9XbQvWfZp7Lr2NcYh8A',
  object: 'event',
  type: 'pass.created',
  mode: 'test',
  created_at: '2026-04-16T12:00:00Z',
  data: {
    object: { object: 'pass', id: 'pass_3kTMd9XbQvWfZp7Lr2NcYh8A', holder_name: 'Zoë Ünïcode ✓' },
    event: { object: 'pass_event', id: 'evt_3kTMd9XbQvWfZp7Lr2NcYh8A', type: 'created', pass_id: 'pass_3kTMd9XbQvWfZp7Lr2NcYh8A', metadata: {}, created_at: '2026-04-16T12:00:00Z' },
  },
};
const BODY = JSON.stringify(EVENT);

/** Headers signed by the standardwebhooks package. */
function signed(secret: string, body = BODY, ts = now(), id = EVENT.id) {
  const sig = new Webhook(secret).sign(id, new Date(ts * 1000), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig };
}

const passmint = new Passmint(TEST_KEY);
const rejects = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof WebhookVerificationError && re.test((e as Error).message));

describe('webhook signatures', () => {
  it('accepts a payload signed by standardwebhooks and returns the typed event', () => {
    const secret = newSecret();
    const event = passmint.webhooks.constructEvent(BODY, signed(secret), secret);
    assert.deepEqual(event, EVENT);
    assert.equal(event.type, 'pass.created');
    assert.equal(event.data.object.id, EVENT.data.object.id);
  });

  it('accepts a Buffer body, a fetch Headers object and header names in any case', () => {
    const secret = newSecret();
    const h = signed(secret);
    assert.deepEqual(constructEvent(Buffer.from(BODY), new Headers(h), secret), EVENT);
    const upper = { 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'Webhook-Signature': h['webhook-signature'] };
    assert.deepEqual(constructEvent(new TextEncoder().encode(BODY), upper, secret), EVENT);
  });

  it('rejects a tampered body', () => {
    const secret = newSecret();
    const h = signed(secret);
    rejects(() => passmint.webhooks.constructEvent(BODY.replace('pass.created', 'pass.voided'), h, secret), /No matching signature/);
    rejects(() => passmint.webhooks.constructEvent(BODY + ' ', h, secret), /No matching signature/);
    rejects(() => passmint.webhooks.constructEvent(JSON.stringify(JSON.parse(BODY), null, 2), h, secret), /No matching signature/);
  });

  it('rejects a tampered id or timestamp', () => {
    const secret = newSecret();
    const h = signed(secret);
    rejects(() => constructEvent(BODY, { ...h, 'webhook-id': 'evt_other' }, secret), /No matching signature/);
    rejects(() => constructEvent(BODY, { ...h, 'webhook-timestamp': String(Number(h['webhook-timestamp']) + 1) }, secret), /No matching signature/);
  });

  it('rejects the wrong secret', () => {
    const secret = newSecret();
    rejects(() => passmint.webhooks.constructEvent(BODY, signed(secret), newSecret()), /No matching signature/);
  });

  it('rejects stale and future timestamps outside the tolerance, both ways', () => {
    const secret = newSecret();
    rejects(() => constructEvent(BODY, signed(secret, BODY, now() - 301), secret), /too old/);
    rejects(() => constructEvent(BODY, signed(secret, BODY, now() + 301), secret), /too new/);
    // Within the default 300 s: fine.
    assert.ok(constructEvent(BODY, signed(secret, BODY, now() - 290), secret));
    assert.ok(constructEvent(BODY, signed(secret, BODY, now() + 290), secret));
    // A custom tolerance.
    rejects(() => constructEvent(BODY, signed(secret, BODY, now() - 20), secret, { toleranceSeconds: 10 }), /too old/);
    rejects(() => constructEvent(BODY, signed(secret, BODY, now() + 20), secret, { toleranceSeconds: 10 }), /too new/);
    assert.ok(constructEvent(BODY, signed(secret, BODY, now() - 3600), secret, { toleranceSeconds: 7200 }));
  });

  it('accepts when any of several signatures matches (secret rotation)', () => {
    const oldSecret = newSecret();
    const newer = newSecret();
    const ts = now();
    const a = signed(oldSecret, BODY, ts);
    const b = signed(newer, BODY, ts);
    const both = { ...a, 'webhook-signature': `${b['webhook-signature']} ${a['webhook-signature']}` };
    assert.deepEqual(constructEvent(BODY, both, oldSecret), EVENT);
    assert.deepEqual(constructEvent(BODY, both, newer), EVENT);
    rejects(() => constructEvent(BODY, both, newSecret()), /No matching signature/);
    // Other versions and junk entries are skipped, not fatal.
    const mixed = { ...a, 'webhook-signature': `v1a,xyz v2,${a['webhook-signature'].slice(3)} junk ${a['webhook-signature']}` };
    assert.deepEqual(constructEvent(BODY, mixed, oldSecret), EVENT);
    const onlyOther = { ...a, 'webhook-signature': `v2,${a['webhook-signature'].slice(3)}` };
    rejects(() => constructEvent(BODY, onlyOther, oldSecret), /No matching signature/);
  });

  it('rejects missing headers, a malformed timestamp and a parsed body', () => {
    const secret = newSecret();
    const h = signed(secret);
    rejects(() => constructEvent(BODY, { 'webhook-id': h['webhook-id'], 'webhook-timestamp': h['webhook-timestamp'] }, secret), /Missing/);
    rejects(() => constructEvent(BODY, {}, secret), /Missing/);
    rejects(() => constructEvent(BODY, { ...h, 'webhook-timestamp': '12abc' }, secret), /Invalid webhook-timestamp/);
    rejects(() => constructEvent(EVENT as unknown as string, h, secret), /raw request body/);
    rejects(() => constructEvent(BODY, h, 'whsec_!!!'), /base64/);
    rejects(() => constructEvent(BODY, h, ''), /empty/);
  });

  it('rejects a validly signed payload that is not an event', () => {
    const secret = newSecret();
    rejects(() => constructEvent('not json', signed(secret, 'not json'), secret), /not JSON/);
    rejects(() => constructEvent('{"a":1}', signed(secret, '{"a":1}'), secret), /not a Passmint event/);
  });

  it('its own test headers verify with standardwebhooks, and the reverse', () => {
    const secret = newSecret();
    const h = generateTestHeaders(BODY, secret);
    assert.deepEqual(new Webhook(secret).verify(BODY, h), EVENT);
    assert.doesNotThrow(() => verifySignature(BODY, h, secret));
    assert.doesNotThrow(() => passmint.webhooks.verifySignature(BODY, passmint.webhooks.generateTestHeaders(BODY, secret, { id: 'evt_x', timestamp: now() }), secret));
  });
});
