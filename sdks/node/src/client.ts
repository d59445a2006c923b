import { ApiCaller } from './core.js';
import type { Mode } from './generated/openapi.js';
import { HttpClient } from './http.js';
import { Bundles } from './resources/bundles.js';
import { Events } from './resources/events.js';
import { Passes } from './resources/passes.js';
import { Templates } from './resources/templates.js';
import { Webhooks } from './resources/webhooks.js';

/** Settings of a client. Every one is optional. */
export interface PassmintConfig {
  /** Where the API is served (default `https://api.passmint.com`); for a self-hosted server, its URL. */
  baseUrl?: string;
  /** Deadline of each attempt of a request, in milliseconds (default 30 000). */
  timeoutMs?: number;
  /**
   * How many times a request is retried after a network error, a timeout, a 409
   * `idempotency_key_in_use`, a 429 or a 5xx (default 2). POST and PATCH are retried
   * with the same Idempotency-Key, so a retry never acts twice.
   */
  maxNetworkRetries?: number;
  /** First retry delay, in milliseconds (default 500); doubles each retry, with jitter. */
  initialRetryDelayMs?: number;
  /** Largest retry delay, in milliseconds (default 8000). A `Retry-After` answer header wins. */
  maxRetryDelayMs?: number;
  /** Replaces the `User-Agent` header. */
  userAgent?: string;
}

/** The mode of an API key, decided by its prefix: `test` or `live` (the API's `Mode`). */
export type { Mode };

/** The prefixes of API keys and the mode each gives. */
export const KEY_PREFIXES: Readonly<Record<string, Mode>> = Object.freeze({
  pmk_test_: 'test',
  pmk_live_: 'live',
});

/** The mode of an API key (`pmk_test_…` or `pmk_live_…`), or null for anything else. */
export function modeOfKey(apiKey: string): Mode | null {
  for (const [prefix, mode] of Object.entries(KEY_PREFIXES)) {
    if (apiKey.startsWith(prefix)) return mode;
  }
  return null;
}

export const DEFAULT_BASE_URL = 'https://api.passmint.com';

/**
 * A Passmint API client.
 *
 * ```ts
 * const passmint = new Passmint(process.env.PASSMINT_API_KEY!, { baseUrl: 'http://127.0.0.1:8080' });
 * const pass = await passmint.passes.create({ template_id: 'tmpl_…', holder_name: 'Alice' });
 * ```
 */
export class Passmint {
  /** `test` or `live`, from the key's prefix: the mode of every object this client sees. */
  readonly mode: Mode;
  readonly baseUrl: string;
  readonly passes: Passes;
  readonly templates: Templates;
  readonly events: Events;
  readonly webhooks: Webhooks;
  readonly bundles: Bundles;

  constructor(apiKey: string, config: PassmintConfig = {}) {
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw new TypeError('Passmint: an API key is required (pmk_test_… or pmk_live_…)');
    }
    const mode = modeOfKey(apiKey.trim());
    if (mode === null) {
      throw new TypeError(
        `Passmint: an API key starts with ${Object.keys(KEY_PREFIXES).join(' or ')}; this one does not`,
      );
    }
    const positive = (name: string, v: number | undefined, dflt: number, min = 0): number => {
      if (v === undefined) return dflt;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
        throw new TypeError(`Passmint: ${name} must be a number >= ${min}`);
      }
      return v;
    };
    this.mode = mode;
    this.baseUrl = (config.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    const http = new HttpClient(apiKey.trim(), {
      baseUrl: this.baseUrl,
      timeoutMs: positive('timeoutMs', config.timeoutMs, 30_000, 1),
      maxNetworkRetries: Math.floor(positive('maxNetworkRetries', config.maxNetworkRetries, 2)),
      initialRetryDelayMs: positive('initialRetryDelayMs', config.initialRetryDelayMs, 500),
      maxRetryDelayMs: positive('maxRetryDelayMs', config.maxRetryDelayMs, 8_000),
      userAgent: config.userAgent,
    });
    const api = new ApiCaller(http);
    this.passes = new Passes(api);
    this.templates = new Templates(api);
    this.events = new Events(api);
    this.webhooks = new Webhooks(api);
    this.bundles = new Bundles(api);
  }
}
