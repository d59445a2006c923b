// A consumer of the package, ESM flavour: type-checked with --strict by `npm test`
// (it is never run). It imports 'passmint' by name, which resolves to the built
// dist/esm/index.d.ts through package.json "exports".
import Passmint, {
  AuthenticationError,
  BillingError,
  IdempotencyError,
  InvalidRequestError,
  NotFoundError,
  ApiError,
  PassmintConnectionError,
  PassmintError,
  WebhookVerificationError,
  type CreatePassRequest,
  type ListPage,
  type Pass,
  type PassEvent,
  type Template,
  type Webhook,
  type WebhookDelivery,
  type WebhookEvent,
  type WebhookWithSecret,
} from 'passmint';
import { createServer } from 'node:http';

const passmint = new Passmint(process.env.PASSMINT_API_KEY ?? 'pmk_test_x', {
  baseUrl: 'http://127.0.0.1:8080',
  timeoutMs: 10_000,
  maxNetworkRetries: 3,
});
const mode: 'test' | 'live' = passmint.mode;

export async function quickstart(): Promise<void> {
  const template: Template = await passmint.templates.create({
    name: 'VIP Concert Pass',
    type: 'event',
    apple_style: 'eventTicket',
    design: {
      organization_name: 'Acme Events',
      description: 'VIP concert ticket',
      fields: { primary: [{ key: 'seatNumber', label: 'Seat', value: 'GA' }] },
      barcode: { format: 'qr' },
    },
  });

  const params: CreatePassRequest = {
    template_id: template.id,
    holder_email: 'alice@example.com',
    field_values: { seatNumber: 'A12' },
    metadata: { order_id: 'ord_123', quantity: 2 },
  };
  const pass = await passmint.passes.create(params, { idempotencyKey: 'order-ord_123' });
  const voided: boolean = pass.voided;
  const requestId: string | null = pass.lastResponse.requestId;
  const replayed: boolean = pass.lastResponse.idempotentReplayed;
  void voided;
  void requestId;
  void replayed;

  await passmint.passes.update(pass.id, { field_values: { seatNumber: 'B7' } });
  await passmint.passes.update(pass.id, { metadata: { order_id: null } });
  const after: Pass = await passmint.passes.void(pass.id);
  const voidedAt: string | null = after.voided_at;
  void voidedAt;

  // @ts-expect-error template_id is required
  await passmint.passes.create({ holder_name: 'x' });
  // @ts-expect-error a pass update needs field_values or metadata
  await passmint.passes.update(pass.id, {});
  // @ts-expect-error apple_style is one of the API's values
  await passmint.templates.create({ name: 'x', type: 'event', apple_style: 'ticket', design: { organization_name: 'o', description: 'd' } });
  // @ts-expect-error limit is a number
  await passmint.passes.list({ limit: '10' });

  const page: ListPage<Pass> = await passmint.passes.list({ template_id: template.id, limit: 100 });
  const hasMore: boolean = page.has_more;
  const first: Pass | undefined = page.data[0];
  void hasMore;
  void first;
  for await (const p of page) {
    const id: string = p.id;
    void id;
  }
  for await (const e of passmint.events.list({ limit: 200 })) {
    const t: 'created' | 'updated' | 'voided' | 'url_viewed' | 'downloaded' | 'installed' | 'removed' = e.type;
    void t;
  }
  const events: PassEvent[] = await (await passmint.passes.listEvents(pass.id)).toArray();
  const forPass = await passmint.events.listForPass(pass.id, { limit: 5 });
  void events;
  void forPass;

  const templates = await passmint.templates.list({ limit: 10 });
  const renamed: Template = await passmint.templates.update(templates.data[0]?.id ?? template.id, { name: 'Renamed' });
  const archived: { id: string; deleted: true } = await passmint.templates.archive(renamed.id);
  const retrieved: Template = await passmint.templates.retrieve(archived.id);
  void retrieved;

  const hook: WebhookWithSecret = await passmint.webhooks.create({ url: 'https://example.com/hooks', events: ['pass.created', 'pass.voided'] });
  // null only in an idempotent replay after a rotation.
  const secret: string | null = hook.secret;
  const plain: Webhook = await passmint.webhooks.retrieve(hook.id);
  // @ts-expect-error the secret is only in create and rotateSecret answers
  void plain.secret;
  await passmint.webhooks.update(hook.id, { enabled: false, description: 'paused' });
  // @ts-expect-error events are the API's event types
  await passmint.webhooks.update(hook.id, { events: ['pass.exploded'] });
  const hooks = await passmint.webhooks.list();
  void hooks.data.length;
  const deliveries = await passmint.webhooks.deliveries.list(hook.id);
  const delivery: WebhookDelivery | undefined = deliveries.data[0];
  if (delivery) {
    const status: 'pending' | 'delivered' | 'failed' | 'dead' = delivery.status;
    void status;
    await passmint.webhooks.deliveries.retry(hook.id, delivery.id);
  }
  const rotated: WebhookWithSecret = await passmint.webhooks.rotateSecret(hook.id);
  void rotated.secret;
  const gone: { id: string; deleted: true } = await passmint.webhooks.delete(hook.id);
  void gone;
  void secret;
}

export async function errors(): Promise<void> {
  try {
    await passmint.passes.retrieve('pass_missing');
  } catch (err) {
    if (err instanceof NotFoundError) {
      const code: string | null = err.code;
      const status: number | undefined = err.statusCode;
      void code;
      void status;
    } else if (err instanceof InvalidRequestError || err instanceof AuthenticationError || err instanceof BillingError || err instanceof IdempotencyError || err instanceof ApiError) {
      const param: string | null = err.param;
      const requestId: string | null = err.requestId;
      const type: string = err.type;
      void param;
      void requestId;
      void type;
    } else if (err instanceof PassmintConnectionError) {
      void err.message;
    } else if (err instanceof PassmintError) {
      void err.raw;
    }
  }
}

// A webhook receiver: verify the raw body, then use the typed event.
createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const event: WebhookEvent = passmint.webhooks.constructEvent(Buffer.concat(chunks), req.headers, 'whsec_...', { toleranceSeconds: 300 });
      if (event.type === 'pass.installed') {
        const holder: string | null = event.data.object.holder_email;
        void holder;
      }
      res.writeHead(200).end('ok');
    } catch (err) {
      if (err instanceof WebhookVerificationError) res.writeHead(400).end('bad signature');
      else throw err;
    }
  });
});

void mode;
