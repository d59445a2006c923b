import { randomUUID } from 'node:crypto';
import { PassmintConnectionError, PassmintError, errorFromResponse } from './errors.js';
import { VERSION } from './version.js';

/** Options of one call; each overrides the client's setting for that call only. */
export interface RequestOptions {
  /**
   * The `Idempotency-Key` of a POST or PATCH (1 to 255 printable ASCII characters).
   * Without it the SDK generates a UUID. Either way the same key is sent on every
   * retry the SDK makes of this call.
   */
  idempotencyKey?: string;
  /** Deadline of each attempt, in milliseconds. */
  timeoutMs?: number;
  /** How many times to retry a failed attempt (network error, 409 in use, 429, 5xx). */
  maxNetworkRetries?: number;
  /** Cancels the call (no retry follows). */
  signal?: AbortSignal;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** What is known about the HTTP answer an object came from. */
export interface ResponseMeta {
  statusCode: number;
  /** The `Request-Id` header. */
  requestId: string | null;
  /** True when the server replayed the stored answer of an earlier request with the same Idempotency-Key. */
  idempotentReplayed: boolean;
  /** The Idempotency-Key that was sent, if any. */
  idempotencyKey: string | null;
  headers: Record<string, string>;
  /** Attempts made: 1 plus the retries. */
  attempts: number;
}

/** An object returned by the API, with a non-enumerable `lastResponse`. */
export type WithResponse<T> = T & { readonly lastResponse: ResponseMeta };

export interface HttpClientConfig {
  baseUrl: string;
  timeoutMs: number;
  maxNetworkRetries: number;
  initialRetryDelayMs: number;
  maxRetryDelayMs: number;
  userAgent?: string;
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with parameters already filled in, e.g. `/v1/passes/pass_123`. */
  path: string;
  query?: Record<string, unknown>;
  body?: unknown;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new PassmintConnectionError('The request was aborted', signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const date = Date.parse(v);
  if (!Number.isNaN(date)) return Math.max(0, date - now);
  return undefined;
}

/** Longest Retry-After the SDK waits for. */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Delay before retry number `retry` (0-based): exponential from the initial delay,
 * capped, with "equal jitter" (between half and all of it). A Retry-After answer
 * header wins (capped at a minute).
 */
export function retryDelay(
  retry: number,
  initialMs: number,
  maxMs: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, MAX_RETRY_AFTER_MS);
  const exp = Math.min(maxMs, initialMs * 2 ** retry);
  return exp / 2 + random() * (exp / 2);
}

/** Whether an API error answer should be retried. */
export function isRetryable(err: PassmintError): boolean {
  const s = err.statusCode;
  if (s === undefined) return false;
  return (s === 409 && err.code === 'idempotency_key_in_use') || s === 429 || s >= 500;
}

function headersToObject(h: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  h.forEach((v, k) => {
    out[k.toLowerCase()] = v;
  });
  return out;
}

function queryString(query: Record<string, unknown> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function attachMeta<T>(value: T, meta: ResponseMeta): WithResponse<T> {
  if (value !== null && typeof value === 'object') {
    Object.defineProperty(value, 'lastResponse', { value: meta, enumerable: false, configurable: true });
  }
  return value as WithResponse<T>;
}

/** Sends requests: authentication, JSON, idempotency keys, timeouts and retries. */
export class HttpClient {
  // A private field: never printed, serialised or enumerated with the client.
  readonly #apiKey: string;

  constructor(apiKey: string, readonly config: HttpClientConfig) {
    this.#apiKey = apiKey;
  }

  async request<T>(req: RawRequest, options: RequestOptions = {}): Promise<WithResponse<T>> {
    const cfg = this.config;
    const maxRetries = options.maxNetworkRetries ?? cfg.maxNetworkRetries;
    const timeoutMs = options.timeoutMs ?? cfg.timeoutMs;
    const writes = req.method === 'POST' || req.method === 'PATCH';
    // One key for the whole call: every retry replays the same request.
    const idempotencyKey = writes ? (options.idempotencyKey ?? randomUUID()) : null;
    const url = `${cfg.baseUrl}${req.path}${queryString(req.query)}`;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.#apiKey}`,
      'User-Agent': cfg.userAgent ?? `passmint-node/${VERSION} node/${process.versions.node}`,
      ...options.headers,
    };
    if (idempotencyKey !== null) headers['Idempotency-Key'] = idempotencyKey;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['Content-Type'] = 'application/json';
    }

    for (let attempt = 0; ; attempt++) {
      const canRetry = attempt < maxRetries;
      let res: Response;
      let text: string;
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
      const onAbort = (): void => controller.abort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        if (options.signal?.aborted) throw new PassmintConnectionError('The request was aborted', options.signal.reason);
        res = await fetch(url, { method: req.method, headers, body, signal: controller.signal });
        text = await res.text();
      } catch (e) {
        if (options.signal?.aborted) {
          throw e instanceof PassmintConnectionError ? e : new PassmintConnectionError('The request was aborted', e);
        }
        const why = timedOut
          ? `timed out after ${timeoutMs} ms`
          : `failed: ${describeNetworkError(e)}`;
        const err = new PassmintConnectionError(
          `Request to Passmint (${req.method} ${req.path}) ${why}` +
            (attempt > 0 ? ` (after ${attempt + 1} attempts)` : ''),
          e,
        );
        if (!canRetry) throw err;
        await sleep(retryDelay(attempt, cfg.initialRetryDelayMs, cfg.maxRetryDelayMs), options.signal);
        continue;
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      }

      const resHeaders = headersToObject(res.headers);
      let parsed: unknown = undefined;
      if (text.length) {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
      }
      if (res.status >= 200 && res.status < 300) {
        if (parsed === undefined && text.length) {
          throw new PassmintError({
            type: 'api_error',
            message: `Invalid JSON in the answer to ${req.method} ${req.path}: ${text.slice(0, 200)}`,
            statusCode: res.status,
            requestId: resHeaders['request-id'] ?? null,
            headers: resHeaders,
          });
        }
        return attachMeta(parsed as T, {
          statusCode: res.status,
          requestId: resHeaders['request-id'] ?? null,
          idempotentReplayed: resHeaders['idempotent-replayed'] === 'true',
          idempotencyKey,
          headers: resHeaders,
          attempts: attempt + 1,
        });
      }
      const err = errorFromResponse(res.status, resHeaders, parsed, text);
      if (canRetry && isRetryable(err)) {
        const after = parseRetryAfter(resHeaders['retry-after']);
        await sleep(retryDelay(attempt, cfg.initialRetryDelayMs, cfg.maxRetryDelayMs, after), options.signal);
        continue;
      }
      throw err;
    }
  }
}

function describeNetworkError(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: string }).code;
      return `${e.message} (${code ? `${code}: ` : ''}${cause.message})`;
    }
    return e.message;
  }
  return String(e);
}
