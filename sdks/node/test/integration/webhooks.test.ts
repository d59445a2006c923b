// Webhooks against a real server: every method, and real deliveries to a local
// receiver verified with constructEvent (and with the standardwebhooks package).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { NotFoundError, Passmint, WebhookVerificationError, type Pass, type WebhookEvent } from 'passmint';
import { design, eventually, startPassmint, type PassmintServer } from '../helpers/server.js';

interface Delivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

async function startReceiver(): Promise<{ url: string; deliveries: Delivery[]; status: { code: number }; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const status = { code: 200 };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    deliveries.push({ headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(status.code, { 'Content-Type': 'text/plain' });
    res.end(status.code === 200 ? 'ok' : 'nope');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/passmint`,
    deliveries,
    status,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('webhooks against a real server', { timeout: 120_000 }, () => {
  let server: PassmintServer;
  let pm: Passmint;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let webhookId: string;
  let secret: string;
  let pass: Pass;
  let templateId: string;

  before(async () => {
    server = await startPassmint();
    const account = await server.createAccount('SDK webhooks');
    pm = new Passmint(account.test_key, { baseUrl: server.baseUrl });
    receiver = await startReceiver();
    templateId = (await pm.templates.create({ name: 'Hooks', type: 'event', apple_style: 'eventTicket', design: design() })).id;
  });
  after(async () => {
    await receiver?.close();
    await server?.stop();
  });

  /** The first delivery received after index `from` for which `pick` holds. */
  const delivery = (from: number, pick: (d: Delivery) => boolean = () => true) =>
    eventually(async () => receiver.deliveries.slice(from).find(pick), 20_000, 'a webhook delivery');

  it('create answers the secret once; retrieve and list do not', async () => {
    const created = await pm.webhooks.create({ url: receiver.url, events: ['*'], description: 'SDK receiver' });
    assert.equal(created.object, 'webhook');
    assert.match(created.id, /^whk_/);
    assert.match(String(created.secret), /^whsec_[A-Za-z0-9+/]+={0,2}$/);
    assert.equal(Buffer.from(String(created.secret).slice('whsec_'.length), 'base64').length, 32);
    assert.deepEqual(created.events, ['*']);
    assert.equal(created.enabled, true);
    webhookId = created.id;
    secret = String(created.secret);

    const got = await pm.webhooks.retrieve(webhookId);
    assert.equal(got.id, webhookId);
    assert.equal('secret' in got, false);
    const list = await pm.webhooks.list();
    assert.deepEqual(list.data.map((w) => w.id), [webhookId]);
    assert.equal(list.has_more, false);
    assert.ok(list.data.every((w) => !('secret' in w)));
  });

  it('a real delivery verifies with constructEvent and gives the typed event', async () => {
    const from = receiver.deliveries.length;
    pass = await pm.passes.create({ template_id: templateId, holder_name: 'Hook Holder' });
    const d = await delivery(from);
    const event: WebhookEvent = pm.webhooks.constructEvent(d.body, d.headers, secret);
    assert.equal(event.object, 'event');
    assert.equal(event.type, 'pass.created');
    assert.equal(event.mode, 'test');
    assert.equal(event.id, d.headers['webhook-id']);
    assert.equal(event.data.object.id, pass.id);
    assert.equal(event.data.object.holder_name, 'Hook Holder');
    assert.equal(event.data.event.type, 'created');
    assert.equal(event.data.event.pass_id, pass.id);
    // The raw body as a string works too, and the reference verifier agrees.
    assert.deepEqual(pm.webhooks.constructEvent(d.body.toString('utf8'), d.headers, secret), event);
    assert.deepEqual(new Webhook(secret).verify(d.body.toString('utf8'), d.headers as Record<string, string>), event);

    // Wrong secret, tampered body, stale timestamp: refused.
    const other = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    assert.throws(() => pm.webhooks.constructEvent(d.body, d.headers, other), WebhookVerificationError);
    assert.throws(() => pm.webhooks.constructEvent(d.body.toString().replace('Hook Holder', 'Hook Holdr'), d.headers, secret), WebhookVerificationError);
    const ts = Number(d.headers['webhook-timestamp']);
    assert.throws(() => pm.webhooks.constructEvent(d.body, d.headers, secret, { now: ts + 301 }), /too old/);
    assert.doesNotThrow(() => pm.webhooks.constructEvent(d.body, d.headers, secret, { now: ts + 301, toleranceSeconds: 600 }));
  });

  it('deliveries.list shows it delivered; deliveries.retry sends it again with the same webhook-id', async () => {
    const delivered = await eventually(async () => {
      const page = await pm.webhooks.deliveries.list(webhookId);
      const d = page.data.find((x) => x.status === 'delivered');
      return d ? page : undefined;
    }, 20_000, 'a delivered delivery');
    const first = delivered.data[0]!;
    assert.equal(first.object, 'webhook_delivery');
    assert.match(first.id, /^whd_/);
    assert.equal(first.webhook_id, webhookId);
    assert.equal(first.event_type, 'pass.created');
    assert.equal(first.status, 'delivered');
    assert.equal(first.attempts, 1);
    assert.equal(first.response_status, 200);
    assert.equal(first.response_body, 'ok');
    assert.equal(first.next_attempt_at, null);
    const iterated: string[] = [];
    for await (const d of pm.webhooks.deliveries.list(webhookId)) iterated.push(d.id);
    assert.deepEqual(iterated, delivered.data.map((d) => d.id));

    const firstDelivery = receiver.deliveries.find((d) => d.headers['webhook-id'] !== undefined)!;
    const from = receiver.deliveries.length;
    const retried = await pm.webhooks.deliveries.retry(webhookId, first.id);
    assert.equal(retried.id, first.id);
    assert.equal(retried.object, 'webhook_delivery');
    const again = await delivery(from);
    assert.equal(again.headers['webhook-id'], firstDelivery.headers['webhook-id']);
    const event = pm.webhooks.constructEvent(again.body, again.headers, secret);
    assert.equal(event.data.object.id, pass.id);
    const after = await eventually(async () => {
      const d = (await pm.webhooks.deliveries.list(webhookId)).data.find((x) => x.id === first.id);
      return d && d.attempts === 2 ? d : undefined;
    }, 20_000, 'the retried attempt to be recorded');
    assert.equal(after.status, 'delivered');
  });

  it('rotateSecret: deliveries are then signed with the new and the old secret', async () => {
    const rotated = await pm.webhooks.rotateSecret(webhookId);
    assert.equal(rotated.id, webhookId);
    assert.match(String(rotated.secret), /^whsec_/);
    assert.notEqual(rotated.secret, secret);
    const from = receiver.deliveries.length;
    await pm.passes.update(pass.id, { metadata: { rotated: 'yes' } });
    const d = await delivery(from);
    assert.equal(String(d.headers['webhook-signature']).split(' ').length, 2);
    const withNew = pm.webhooks.constructEvent(d.body, d.headers, String(rotated.secret));
    const withOld = pm.webhooks.constructEvent(d.body, d.headers, secret);
    assert.equal(withNew.type, 'pass.updated');
    assert.deepEqual(withOld, withNew);
    assert.deepEqual(withNew.data.object.metadata, { rotated: 'yes' });
    secret = String(rotated.secret);
  });

  it('update changes events and disables; a disabled webhook gets nothing new', async () => {
    const updated = await pm.webhooks.update(webhookId, { events: ['pass.voided'], description: 'Voids only' });
    assert.deepEqual(updated.events, ['pass.voided']);
    assert.equal(updated.description, 'Voids only');
    const from = receiver.deliveries.length;
    await pm.passes.update(pass.id, { metadata: { ignored: 'yes' } });
    await pm.passes.void(pass.id);
    const d = await delivery(from);
    const event = pm.webhooks.constructEvent(d.body, d.headers, secret);
    assert.equal(event.type, 'pass.voided');
    assert.equal(event.data.object.voided, true);

    const disabled = await pm.webhooks.update(webhookId, { enabled: false, events: ['*'] });
    assert.equal(disabled.enabled, false);
    const before = receiver.deliveries.length;
    await pm.passes.create({ template_id: templateId });
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(receiver.deliveries.length, before);
  });

  it('delete removes the webhook', async () => {
    const deleted = await pm.webhooks.delete(webhookId);
    assert.deepEqual({ ...deleted }, { id: webhookId, deleted: true });
    await assert.rejects(pm.webhooks.retrieve(webhookId), NotFoundError);
    await assert.rejects(pm.webhooks.deliveries.list(webhookId), NotFoundError);
    assert.equal((await pm.webhooks.list()).data.length, 0);
    const extra = await pm.webhooks.create({ url: receiver.url, events: ['pass.created'] });
    assert.deepEqual({ ...(await pm.webhooks.del(extra.id)) }, { id: extra.id, deleted: true });
  });
});
