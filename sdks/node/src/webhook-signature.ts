import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { WebhookVerificationError } from './errors.js';
import type { WebhookEventObject } from './generated/openapi.js';

/** Default accepted clock difference between the sender and this machine, in seconds. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const SECRET_PREFIX = 'whsec_';

/** The raw body as received: verify before parsing, never a re-serialised object. */
export type WebhookPayload = string | Uint8Array;

/**
 * The request's headers: a Node `IncomingHttpHeaders` object (`req.headers`), a
 * fetch `Headers`, or any record of names to values (names in any case).
 */
export type WebhookHeaders =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>;

export interface ConstructEventOptions {
  /** Largest accepted difference between `webhook-timestamp` and now, in seconds (default 300), both ways. */
  toleranceSeconds?: number;
  /** "Now", in Unix seconds (for tests). */
  now?: number;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') {
    const v = (headers as { get(name: string): string | null }).get(name);
    return v ?? undefined;
  }
  const rec = headers as Record<string, string | string[] | undefined>;
  let v = rec[name];
  if (v === undefined) {
    const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
    v = key === undefined ? undefined : rec[key];
  }
  if (Array.isArray(v)) return v.join(' ');
  return v;
}

/** The HMAC key of a `whsec_…` secret: the base64 after the prefix, decoded. */
export function secretKey(secret: string): Buffer {
  if (typeof secret !== 'string' || !secret) {
    throw new WebhookVerificationError('The webhook secret is empty: give the `whsec_…` secret of the webhook');
  }
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new WebhookVerificationError('The webhook secret is not `whsec_` followed by base64');
  }
  const key = Buffer.from(b64, 'base64');
  if (!key.length) throw new WebhookVerificationError('The webhook secret decodes to no bytes');
  return key;
}

function toBuffer(payload: WebhookPayload): Buffer {
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8');
  if (payload instanceof Uint8Array) return Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  throw new WebhookVerificationError(
    'The payload must be the raw request body (a string or a Buffer), not a parsed object: ' +
      'a re-serialised body does not match its signature',
  );
}

/** The `v1,<base64>` signature of a payload (Standard Webhooks). */
export function sign(id: string, timestamp: number | string, payload: WebhookPayload, secret: string): string {
  const mac = createHmac('sha256', secretKey(secret));
  mac.update(`${id}.${timestamp}.`);
  mac.update(toBuffer(payload));
  return `v1,${mac.digest('base64')}`;
}

/**
 * Checks a delivery's Standard Webhooks signature: `webhook-signature` holds one or
 * more space-separated `v1,<base64>` entries (more than one while a rotated secret
 * is still signing); one must be the HMAC-SHA256, keyed by the secret, of
 * `{webhook-id}.{webhook-timestamp}.{body}`, and the timestamp must be within the
 * tolerance of now. Throws `WebhookVerificationError` otherwise.
 */
export function verifySignature(
  payload: WebhookPayload,
  headers: WebhookHeaders,
  secret: string,
  options: ConstructEventOptions = {},
): void {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError(
      'Missing webhook-id, webhook-timestamp or webhook-signature header',
    );
  }
  if (!/^\d+$/.test(timestamp.trim())) {
    throw new WebhookVerificationError('Invalid webhook-timestamp header');
  }
  const ts = Number(timestamp.trim());
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (now - ts > tolerance) throw new WebhookVerificationError('Message timestamp too old');
  if (ts - now > tolerance) throw new WebhookVerificationError('Message timestamp too new');

  const expected = Buffer.from(sign(id, timestamp.trim(), payload, secret).slice(3), 'base64');
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0) continue;
    if (entry.slice(0, comma) !== 'v1') continue;
    const given = Buffer.from(entry.slice(comma + 1), 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
  }
  throw new WebhookVerificationError('No matching signature found');
}

/** A verified webhook delivery: the event the API sent. */
export type WebhookEvent = WebhookEventObject;

/**
 * Verifies a delivery (see `verifySignature`) and returns its parsed event. Give the
 * raw body exactly as received (`express.raw()`, `await request.text()`, ...).
 */
export function constructEvent(
  payload: WebhookPayload,
  headers: WebhookHeaders,
  secret: string,
  options: ConstructEventOptions = {},
): WebhookEvent {
  verifySignature(payload, headers, secret, options);
  const text = typeof payload === 'string' ? payload : toBuffer(payload).toString('utf8');
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch (e) {
    throw new WebhookVerificationError('The payload is not JSON', e);
  }
  if (!event || typeof event !== 'object' || (event as { object?: unknown }).object !== 'event') {
    throw new WebhookVerificationError('The payload is not a Passmint event');
  }
  return event as WebhookEvent;
}

/**
 * Headers for a payload signed with `secret`, as the API would send them: for
 * testing your own webhook handler.
 */
export function generateTestHeaders(
  payload: WebhookPayload,
  secret: string,
  options: { id?: string; timestamp?: number } = {},
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const id = options.id ?? `evt_${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x').slice(0, 24)}`;
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': sign(id, timestamp, payload, secret),
  };
}
