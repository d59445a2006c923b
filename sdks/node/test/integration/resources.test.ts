// Every resource method against a real `passmint serve`, and auto-pagination over
// more than one page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidRequestError, NotFoundError, Passmint, type Bundle, type Pass, type PassEvent, type Template, type WithResponse } from 'passmint';
import { PACKAGE_ROOT, design, startPassmint, type Account, type PassmintServer } from '../helpers/server.js';

describe('resources against a real server', { timeout: 120_000 }, () => {
  let server: PassmintServer;
  let account: Account;
  let pm: Passmint;
  let template: WithResponse<Template>;

  before(async () => {
    server = await startPassmint();
    account = await server.createAccount('SDK resources');
    pm = new Passmint(account.test_key, { baseUrl: server.baseUrl });
    assert.equal(pm.mode, 'test');
  });
  after(async () => {
    await server?.stop();
  });

  it('the checked-in openapi.json is the document this server serves', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { isDeepStrictEqual } = await import('node:util');
    const served = await (await fetch(`${server.baseUrl}/v1/openapi.json`)).json();
    const checkedIn = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'openapi.json'), 'utf8'));
    assert.ok(
      isDeepStrictEqual(served, checkedIn),
      'openapi.json differs from the server under test: run `npm run fetch-openapi -- --bin <passmint>` then `npm run generate`',
    );
  });

  describe('templates', () => {
    it('create, retrieve, update', async () => {
      template = await pm.templates.create({ name: 'VIP Concert Pass', type: 'event', apple_style: 'eventTicket', design: design() });
      assert.equal(template.object, 'template');
      assert.match(template.id, /^tmpl_[0-9A-Za-z]{24}$/);
      assert.equal(template.name, 'VIP Concert Pass');
      assert.equal(template.archived, false);
      assert.match(String(template.lastResponse.requestId), /^req_[0-9A-Za-z]{24}$/);

      const got = await pm.templates.retrieve(template.id);
      assert.deepEqual({ ...got }, { ...template });

      const renamed = await pm.templates.update(template.id, { name: 'Renamed' });
      assert.equal(renamed.name, 'Renamed');
      assert.equal(renamed.design.organization_name, 'Acme Events');
    });

    it('list pages through every template; archive hides one from the list', async () => {
      const extra: Template[] = [];
      for (let i = 0; i < 4; i++) {
        extra.push(await pm.templates.create({ name: `T${i}`, type: 'coupon', apple_style: 'coupon', design: design(`Org ${i}`) }));
      }
      const first = await pm.templates.list({ limit: 2 });
      assert.equal(first.object, 'list');
      assert.equal(first.data.length, 2);
      assert.equal(first.has_more, true);
      const all: string[] = [];
      for await (const t of first) all.push(t.id);
      assert.equal(all.length, 5);
      assert.equal(new Set(all).size, 5);
      assert.deepEqual(all.slice(0, 4), extra.map((t) => t.id).reverse(), 'newest first');

      const archived = await pm.templates.archive(extra[0]!.id);
      assert.deepEqual({ ...archived }, { id: extra[0]!.id, deleted: true });
      const again = await pm.templates.retrieve(extra[0]!.id);
      assert.equal(again.archived, true);
      const listed: string[] = [];
      for await (const t of pm.templates.list({ limit: 3 })) listed.push(t.id);
      assert.equal(listed.length, 4);
      assert.ok(!listed.includes(extra[0]!.id));

      const restored = await pm.templates.update(extra[0]!.id, { archived: false });
      assert.equal(restored.archived, false);
    });
  });

  describe('passes and events', () => {
    let pass: WithResponse<Pass>;

    it('create and retrieve', async () => {
      pass = await pm.passes.create({
        template_id: template.id,
        holder_email: 'alice@example.com',
        holder_name: 'Alice Johnson',
        field_values: { seatNumber: 'A12' },
        metadata: { order_id: 'ord_123' },
      });
      assert.equal(pass.object, 'pass');
      assert.match(pass.id, /^pass_/);
      assert.equal(pass.mode, 'test');
      assert.equal(pass.template_id, template.id);
      assert.deepEqual(pass.field_values, { seatNumber: 'A12' });
      assert.deepEqual(pass.metadata, { order_id: 'ord_123' });
      assert.equal(pass.voided, false);
      assert.equal(pass.voided_at, null);
      assert.equal(pass.created_via_api, true);
      assert.equal(pass.lastResponse.idempotentReplayed, false);
      assert.ok(pass.lastResponse.idempotencyKey);
      const got = await pm.passes.retrieve(pass.id);
      assert.equal(got.id, pass.id);
      assert.equal(got.holder_email, 'alice@example.com');
    });

    it('update merges field values and metadata (null removes)', async () => {
      const updated = await pm.passes.update(pass.id, { field_values: { seatNumber: 'B7' }, metadata: { order_id: null, gate: '3' } });
      assert.deepEqual(updated.field_values, { seatNumber: 'B7' });
      assert.deepEqual(updated.metadata, { gate: '3' });
    });

    it('the same Idempotency-Key replays the first answer', async () => {
      const key = `sdk-replay-${Date.now()}`;
      const a = await pm.passes.create({ template_id: template.id, holder_name: 'Replay' }, { idempotencyKey: key });
      const b = await pm.passes.create({ template_id: template.id, holder_name: 'Replay' }, { idempotencyKey: key });
      assert.equal(b.id, a.id);
      assert.equal(a.lastResponse.idempotentReplayed, false);
      assert.equal(b.lastResponse.idempotentReplayed, true);
      assert.equal(b.lastResponse.idempotencyKey, key);
    });

    it('list filters by template and holder email, and pages with for await', async () => {
      const other = await pm.templates.create({ name: 'Paged', type: 'generic', apple_style: 'generic', design: design('Paged') });
      const made: string[] = [];
      for (let i = 0; i < 7; i++) {
        made.push((await pm.passes.create({ template_id: other.id, holder_email: i % 2 ? 'odd@example.com' : 'even@example.com' })).id);
      }
      const page = await pm.passes.list({ template_id: other.id, limit: 3 });
      assert.equal(page.data.length, 3);
      assert.equal(page.has_more, true);
      const ids: string[] = [];
      for await (const p of page) ids.push(p.id);
      assert.deepEqual(ids, [...made].reverse());

      const odd: string[] = [];
      for await (const p of pm.passes.list({ template_id: other.id, holder_email: 'odd@example.com', limit: 1 })) odd.push(p.id);
      assert.equal(odd.length, 3);

      const second = await page.nextPage();
      assert.deepEqual(second?.data.map((p) => p.id), ids.slice(3, 6));
    });

    it('void, then void again returns it unchanged; updating a voided pass is refused', async () => {
      const voided = await pm.passes.void(pass.id);
      assert.equal(voided.voided, true);
      assert.match(String(voided.voided_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const twice = await pm.passes.void(pass.id);
      assert.equal(twice.voided_at, voided.voided_at);
      await assert.rejects(
        pm.passes.update(pass.id, { metadata: { a: 'b' } }),
        (e: unknown) => e instanceof InvalidRequestError && e.code === 'pass_voided' && e.statusCode === 400,
      );
    });

    it("a pass's events: passes.listEvents and events.listForPass", async () => {
      const viaPasses: PassEvent[] = [];
      for await (const e of pm.passes.listEvents(pass.id, { limit: 1 })) viaPasses.push(e);
      assert.deepEqual(viaPasses.map((e) => e.type), ['voided', 'updated', 'created']);
      assert.ok(viaPasses.every((e) => e.object === 'pass_event' && e.pass_id === pass.id));
      const updated = viaPasses[1]!;
      assert.deepEqual(updated.metadata, { field_values: ['seatNumber'], metadata: ['gate', 'order_id'] });
      const page = await pm.events.listForPass(pass.id, { limit: 2 });
      assert.equal(page.data.length, 2);
      assert.equal(page.has_more, true);
      assert.deepEqual((await page.toArray()).map((e) => e.id), viaPasses.map((e) => e.id));
    });

    it('events.list pages through every event of the mode', async () => {
      const first = await pm.events.list({ limit: 4 });
      assert.equal(first.data.length, 4);
      assert.equal(first.has_more, true);
      const all: PassEvent[] = [];
      for await (const e of first) all.push(e);
      // 1 pass with created+updated+voided, 1 replayed create, 7 paged passes.
      assert.equal(all.length, 3 + 1 + 7);
      assert.equal(new Set(all.map((e) => e.id)).size, all.length);
      const backwards: string[] = [];
      for await (const e of pm.events.list({ limit: 3, ending_before: all[all.length - 1]!.id })) backwards.push(e.id);
      assert.equal(backwards.length, all.length - 1);
    });

    it('keys of the other mode see none of it', async () => {
      const live = new Passmint(account.live_key, { baseUrl: server.baseUrl });
      assert.equal(live.mode, 'live');
      await assert.rejects(live.passes.retrieve(pass.id), NotFoundError);
      assert.equal((await live.passes.list()).data.length, 0);
      // Templates are shared by both modes.
      assert.equal((await live.templates.retrieve(template.id)).id, template.id);
    });
  });

  describe('bundles', () => {
    it('create, replay, retrieve; refusals name the pass; the other mode sees none', async () => {
      const passes: Pass[] = [];
      for (let i = 0; i < 2; i++) passes.push(await pm.passes.create({ template_id: template.id, holder_name: `Bundled ${i}` }));
      const ids = passes.map((p) => p.id).reverse();
      const key = `sdk-bundle-${Date.now()}`;
      const bundle: WithResponse<Bundle> = await pm.bundles.create({ pass_ids: ids }, { idempotencyKey: key });
      assert.equal(bundle.object, 'bundle');
      assert.match(bundle.id, /^bndl_[0-9A-Za-z]{24}$/);
      assert.deepEqual(bundle.pass_ids, ids);
      assert.match(bundle.url, /\/b\/[0-9A-Za-z]+$/);
      assert.equal(bundle.download_url, `${bundle.url}/download`);
      assert.equal(bundle.lastResponse.idempotentReplayed, false);

      const again = await pm.bundles.create({ pass_ids: ids }, { idempotencyKey: key });
      assert.equal(again.id, bundle.id);
      assert.equal(again.lastResponse.idempotentReplayed, true);

      const got = await pm.bundles.retrieve(bundle.id);
      assert.deepEqual({ ...got }, { ...bundle });

      const download = await fetch(`${server.baseUrl}${new URL(bundle.download_url).pathname}`);
      assert.equal(download.status, 200);
      assert.equal(download.headers.get('content-type'), 'application/vnd.apple.pkpasses');

      await assert.rejects(
        pm.bundles.create({ pass_ids: [ids[0]!, ids[0]!] }),
        (e: unknown) => e instanceof InvalidRequestError && e.param === 'pass_ids[1]' && e.statusCode === 400,
      );
      await assert.rejects(
        pm.bundles.create({ pass_ids: [ids[0]!, 'pass_000000000000000000000000'] }),
        (e: unknown) => e instanceof InvalidRequestError && e.param === 'pass_ids[1]' && e.code === 'resource_missing',
      );
      const live = new Passmint(account.live_key, { baseUrl: server.baseUrl });
      await assert.rejects(live.bundles.retrieve(bundle.id), NotFoundError);
    });
  });
});
