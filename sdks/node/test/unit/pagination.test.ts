// Auto-pagination against a stub that serves a list of 7 items newest first.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListPage, Passmint } from 'passmint';
import { TEST_KEY, errorBody, startStub, type Recorded, type Stub } from '../helpers/stub.js';

const ITEMS = Array.from({ length: 7 }, (_, i) => ({ object: 'pass', id: `pass_${7 - i}` })); // newest first

function page(req: Recorded) {
  const limit = Number(req.query.get('limit') ?? 50);
  const after = req.query.get('starting_after');
  const before = req.query.get('ending_before');
  let start = 0;
  let end = ITEMS.length;
  if (after) start = ITEMS.findIndex((p) => p.id === after) + 1;
  if (before) end = ITEMS.findIndex((p) => p.id === before);
  const data = before ? ITEMS.slice(Math.max(start, end - limit), end) : ITEMS.slice(start, start + limit);
  const has_more = before ? end - limit > 0 : start + limit < ITEMS.length;
  return { status: 200, body: { object: 'list', data, has_more } };
}

describe('pagination', () => {
  let stub: Stub;
  let pm: Passmint;
  before(async () => {
    stub = await startStub(page);
    pm = new Passmint(TEST_KEY, { baseUrl: stub.baseUrl, maxNetworkRetries: 0 });
  });
  after(() => stub.close());

  it('returns the page as the API answered it', async () => {
    stub.requests.length = 0;
    const p = await pm.passes.list({ limit: 3 });
    assert.ok(p instanceof ListPage);
    assert.equal(p.object, 'list');
    assert.deepEqual(p.data.map((x) => x.id), ['pass_7', 'pass_6', 'pass_5']);
    assert.equal(p.has_more, true);
    assert.deepEqual(JSON.parse(JSON.stringify(p)), { object: 'list', data: ITEMS.slice(0, 3), has_more: true });
    assert.equal(stub.requests.length, 1, 'no page is fetched before it is needed');
    assert.match(String(p.lastResponse.requestId), /^req_stub/);
  });

  it('iterates every item of every page with for await, keeping the filters', async () => {
    stub.requests.length = 0;
    const p = await pm.passes.list({ limit: 3, template_id: 'tmpl_x' });
    const ids: string[] = [];
    for await (const pass of p) ids.push(pass.id);
    assert.deepEqual(ids, ITEMS.map((x) => x.id));
    assert.deepEqual(
      stub.requests.map((r) => r.url),
      [
        '/v1/passes?limit=3&template_id=tmpl_x',
        '/v1/passes?limit=3&template_id=tmpl_x&starting_after=pass_5',
        '/v1/passes?limit=3&template_id=tmpl_x&starting_after=pass_2',
      ],
    );
  });

  it('iterates straight from the call, without awaiting the page first', async () => {
    const ids: string[] = [];
    for await (const ev of pm.events.list({ limit: 2 })) ids.push(ev.id);
    assert.equal(ids.length, 7);
  });

  it('stops early on break without fetching more', async () => {
    stub.requests.length = 0;
    for await (const pass of pm.passes.list({ limit: 2 })) {
      if (pass.id === 'pass_6') break;
    }
    assert.equal(stub.requests.length, 1);
  });

  it('walks towards newer items with ending_before', async () => {
    stub.requests.length = 0;
    const ids: string[] = [];
    for await (const pass of pm.passes.list({ limit: 2, ending_before: 'pass_1' })) ids.push(pass.id);
    assert.deepEqual(ids.sort(), ITEMS.slice(0, 6).map((x) => x.id).sort());
    assert.ok(stub.requests.slice(1).every((r) => r.query.has('ending_before') && !r.query.has('starting_after')));
  });

  it('nextPage() and toArray()', async () => {
    const first = await pm.templates.list({ limit: 4 });
    const second = await first.nextPage();
    assert.deepEqual(second?.data.map((x) => x.id), ['pass_3', 'pass_2', 'pass_1']);
    assert.equal(second?.has_more, false);
    assert.equal(await second?.nextPage(), null);
    assert.equal((await first.toArray()).length, 7);
    assert.equal((await first.toArray(5)).length, 5);
  });

  it('does not page lists that take no cursor (webhooks, deliveries)', async () => {
    stub.handle(() => ({ status: 200, body: { object: 'list', data: ITEMS.slice(0, 2), has_more: true } }));
    stub.requests.length = 0;
    const ids: string[] = [];
    for await (const d of pm.webhooks.deliveries.list('whk_1')) ids.push(d.id);
    assert.equal(ids.length, 2);
    assert.equal(stub.requests.length, 1);
    assert.equal(stub.requests[0].url, '/v1/webhooks/whk_1/deliveries');
    const hooks = await pm.webhooks.list();
    assert.equal(hooks.hasNextPage(), false);
    stub.handle(page);
  });

  it('an error on a later page is thrown from the loop', async () => {
    stub.handle((req) => (req.query.has('starting_after') ? { status: 400, body: errorBody('invalid_request_error', 'bad cursor', 'resource_missing', 'starting_after') } : page(req)));
    const ids: string[] = [];
    await assert.rejects(async () => {
      for await (const p of pm.passes.list({ limit: 3 })) ids.push(p.id);
    }, /bad cursor/);
    assert.equal(ids.length, 3);
    stub.handle(page);
  });
});
