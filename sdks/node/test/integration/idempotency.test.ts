// An idempotent retry after a dropped connection: a TCP proxy forwards the first
// POST /v1/passes to the server, lets the server answer, and closes the client's
// connection instead of passing the answer on. The SDK retries with the same
// Idempotency-Key; the server replays its stored answer; one pass exists.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Passmint, PassmintConnectionError } from 'passmint';
import { design, eventually, startPassmint, type PassmintServer } from '../helpers/server.js';

interface Proxy {
  baseUrl: string;
  /** Idempotency-Key of every POST /v1/passes that went through. */
  postKeys: string[];
  /** How many connections were cut. */
  dropped: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `port` that drops the first `dropCount` POST /v1/passes: with
 * `when: 'answer'` it forwards the request and cuts the client's connection when
 * the server's answer arrives (the server did the work); with `when: 'request'` it
 * cuts it right after forwarding the request, while the server is still working
 * (the upstream connection stays open, so the server finishes).
 */
async function startDroppingProxy(port: number, dropCount = 1, when: 'answer' | 'request' = 'answer'): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const state = { postKeys: [] as string[], dropped: 0, toDrop: dropCount };
  const server: Server = createServer((client) => {
    sockets.add(client);
    const upstream = connect(port, '127.0.0.1');
    sockets.add(upstream);
    let dropThisOne = false;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (text.startsWith('POST /v1/passes ')) {
        const key = /\r\nidempotency-key: *([^\r\n]*)/i.exec(text)?.[1] ?? '';
        state.postKeys.push(key);
        if (state.toDrop > 0) {
          state.toDrop--;
          dropThisOne = true;
        }
      }
      upstream.write(chunk);
      if (dropThisOne && when === 'request') {
        state.dropped++;
        client.destroy();
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (dropThisOne && when === 'request') return; // nobody to tell
      if (dropThisOne) {
        // The server has answered (so it did the work); the client never hears it.
        state.dropped++;
        client.destroy();
        upstream.destroy();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    // In 'request' mode the cut client must not take the server's connection down
    // with it: the server should finish the request it got.
    client.on('close', () => {
      if (dropThisOne && when === 'request') setTimeout(() => upstream.destroy(), 5_000).unref();
      else end();
    });
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port: own } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${own}`,
    get postKeys() {
      return state.postKeys;
    },
    get dropped() {
      return state.dropped;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('idempotent retry after a dropped connection', { timeout: 120_000 }, () => {
  let server: PassmintServer;
  let direct: Passmint;
  let key: string;

  before(async () => {
    server = await startPassmint();
    key = (await server.createAccount('SDK idempotency')).test_key;
    direct = new Passmint(key, { baseUrl: server.baseUrl });
  });
  after(async () => {
    await server?.stop();
  });

  it('retries with the same key and exactly one pass exists', async () => {
    const template = await direct.templates.create({ name: 'Drop', type: 'event', apple_style: 'eventTicket', design: design() });
    const proxy = await startDroppingProxy(server.port);
    try {
      const viaProxy = new Passmint(key, { baseUrl: proxy.baseUrl, initialRetryDelayMs: 50, maxRetryDelayMs: 200 });
      const pass = await viaProxy.passes.create({ template_id: template.id, holder_name: 'Once Only' });

      assert.equal(proxy.dropped, 1, 'the first answer was dropped');
      assert.equal(proxy.postKeys.length, 2, 'the SDK sent the POST twice');
      assert.ok(proxy.postKeys[0]);
      assert.equal(proxy.postKeys[0], proxy.postKeys[1], 'with the same Idempotency-Key');
      assert.equal(pass.lastResponse.attempts, 2);
      assert.equal(pass.lastResponse.idempotencyKey, proxy.postKeys[0]);
      assert.equal(pass.lastResponse.idempotentReplayed, true, 'the server replayed the first answer');

      const all = await direct.passes.list({ template_id: template.id });
      assert.equal(all.data.length, 1, 'exactly one pass');
      assert.equal(all.data[0]!.id, pass.id);
      const events = await direct.events.listForPass(pass.id);
      assert.deepEqual(events.data.map((e) => e.type), ['created']);
    } finally {
      await proxy.close();
    }
  });

  it('the caller\'s own key is kept across the retry', async () => {
    const template = await direct.templates.create({ name: 'Drop 2', type: 'event', apple_style: 'eventTicket', design: design() });
    const proxy = await startDroppingProxy(server.port);
    try {
      const viaProxy = new Passmint(key, { baseUrl: proxy.baseUrl, initialRetryDelayMs: 50 });
      const pass = await viaProxy.passes.create({ template_id: template.id }, { idempotencyKey: 'order-4711' });
      assert.deepEqual(proxy.postKeys, ['order-4711', 'order-4711']);
      assert.equal((await direct.passes.list({ template_id: template.id })).data.length, 1);
      assert.equal(pass.lastResponse.idempotentReplayed, true);
    } finally {
      await proxy.close();
    }
  });

  it('a connection cut while the server is still working: retried until one pass exists', async (t) => {
    const template = await direct.templates.create({ name: 'Drop early', type: 'event', apple_style: 'eventTicket', design: design() });
    const proxy = await startDroppingProxy(server.port, 1, 'request');
    try {
      const viaProxy = new Passmint(key, { baseUrl: proxy.baseUrl, initialRetryDelayMs: 1, maxRetryDelayMs: 50, maxNetworkRetries: 5 });
      const pass = await viaProxy.passes.create({ template_id: template.id, holder_name: 'Early' });
      assert.equal(proxy.dropped, 1);
      assert.ok(proxy.postKeys.length >= 2);
      t.diagnostic(`attempts: ${pass.lastResponse.attempts}, replayed: ${pass.lastResponse.idempotentReplayed}`);
      assert.equal(new Set(proxy.postKeys).size, 1, 'every attempt had the same Idempotency-Key');
      // The retry may have found the first request in flight (409
      // idempotency_key_in_use, retried), its stored answer (a replay), or, if it
      // overtook it, done the work itself: in every case one pass.
      const all = await eventually(async () => {
        const page = await direct.passes.list({ template_id: template.id });
        return page.data.length ? page : undefined;
      });
      await new Promise((r) => setTimeout(r, 300));
      const again = await direct.passes.list({ template_id: template.id });
      assert.equal(again.data.length, 1, 'exactly one pass');
      assert.equal(all.data[0]!.id, pass.id);
    } finally {
      await proxy.close();
    }
  });

  it('concurrent calls with one key: one pass, every call gets it (409 in use is retried)', async (t) => {
    const template = await direct.templates.create({ name: 'Concurrent', type: 'event', apple_style: 'eventTicket', design: design() });
    const client = new Passmint(key, { baseUrl: server.baseUrl, initialRetryDelayMs: 20, maxRetryDelayMs: 200, maxNetworkRetries: 6 });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => client.passes.create({ template_id: template.id, holder_name: 'Same' }, { idempotencyKey: 'concurrent-1' })),
    );
    assert.equal(new Set(results.map((p) => p.id)).size, 1, 'every call got the same pass');
    assert.equal((await direct.passes.list({ template_id: template.id })).data.length, 1);
    const retried = results.filter((p) => p.lastResponse.attempts > 1).length;
    // Whether the server answers 409 idempotency_key_in_use (and the SDK retries)
    // depends on timing: a fast insert may finish before the others arrive, and
    // they get replays. Either way one pass; the 409 path itself is unit-tested.
    t.diagnostic(`${retried} of ${results.length} calls were retried after 409 idempotency_key_in_use`);
    assert.equal(results.filter((p) => !p.lastResponse.idempotentReplayed).length, 1, 'one call did the work, the others got replays');
  });

  it('without retries the dropped answer is a PassmintConnectionError, and a manual retry with the key is safe', async () => {
    const template = await direct.templates.create({ name: 'Drop 3', type: 'event', apple_style: 'eventTicket', design: design() });
    const proxy = await startDroppingProxy(server.port);
    try {
      const noRetry = new Passmint(key, { baseUrl: proxy.baseUrl, maxNetworkRetries: 0 });
      await assert.rejects(noRetry.passes.create({ template_id: template.id }, { idempotencyKey: 'manual-1' }), PassmintConnectionError);
      const again = await noRetry.passes.create({ template_id: template.id }, { idempotencyKey: 'manual-1' });
      assert.equal(again.lastResponse.idempotentReplayed, true);
      assert.equal((await direct.passes.list({ template_id: template.id })).data.length, 1);
    } finally {
      await proxy.close();
    }
  });
});
