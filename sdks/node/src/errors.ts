import type { ErrorType } from './generated/openapi.js';

/** What the SDK knows about a failed request. */
export interface PassmintErrorFields {
  type: string;
  message: string;
  code?: string | null;
  param?: string | null;
  statusCode?: number;
  requestId?: string | null;
  headers?: Record<string, string>;
  /** The parsed error envelope's `error` object, when there was one. */
  raw?: unknown;
  cause?: unknown;
}

/**
 * The base class of every error the SDK throws. API errors carry the fields of the
 * error envelope (`type`, `code`, `message`, `param`) with the HTTP status and the
 * `Request-Id` of the response.
 */
export class PassmintError extends Error {
  /** The error envelope's `type` (`invalid_request_error`, ...), or the SDK's own. */
  readonly type: string;
  /** A machine-readable reason (`resource_missing`, `pass_voided`, ...), or null. */
  readonly code: string | null;
  /** The request field at fault (`template_id`, `design.fields.primary[0].key`), or null. */
  readonly param: string | null;
  /** The HTTP status of the answer; undefined when there was none. */
  readonly statusCode: number | undefined;
  /** The `Request-Id` header of the answer: quote it when reporting a problem. */
  readonly requestId: string | null;
  /** The answer's headers (lower-case names). */
  readonly headers: Record<string, string>;
  /** The error envelope's `error` object as received. */
  readonly raw: unknown;

  constructor(fields: PassmintErrorFields) {
    super(fields.message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = new.target.name;
    this.type = fields.type;
    this.code = fields.code ?? null;
    this.param = fields.param ?? null;
    this.statusCode = fields.statusCode;
    this.requestId = fields.requestId ?? null;
    this.headers = fields.headers ?? {};
    this.raw = fields.raw;
  }
}

/** 400 (also 405, 408, 413, 415): the request is malformed or invalid. */
export class InvalidRequestError extends PassmintError {}
/** 401: the API key is missing, malformed, unknown or revoked. */
export class AuthenticationError extends PassmintError {}
/** 404: the object (or route) does not exist in this account and mode. */
export class NotFoundError extends PassmintError {}
/** 402: an account billing issue, e.g. code `pass_limit_reached`. */
export class BillingError extends PassmintError {}
/**
 * 409: the Idempotency-Key was used with a different request, or (code
 * `idempotency_key_in_use`) the first request with it is still running.
 */
export class IdempotencyError extends PassmintError {}
/** 500: an internal error of the server. */
export class ApiError extends PassmintError {}

/** The request did not get an answer: connection refused or dropped, DNS, timeout. */
export class PassmintConnectionError extends PassmintError {
  constructor(message: string, cause?: unknown) {
    super({ type: 'connection_error', message, cause });
  }
}

/** `webhooks.constructEvent` refused a payload: bad signature, stale timestamp, bad JSON. */
export class WebhookVerificationError extends PassmintError {
  constructor(message: string, cause?: unknown) {
    super({ type: 'webhook_verification_error', message, cause });
  }
}

/**
 * The class of each error `type` of the API. Typed by the generated `ErrorType`, so
 * a type added to the API document fails the build until it has a class here.
 */
export const errorClasses: { readonly [T in ErrorType]: typeof PassmintError } = {
  invalid_request_error: InvalidRequestError,
  authentication_error: AuthenticationError,
  not_found_error: NotFoundError,
  billing_error: BillingError,
  idempotency_error: IdempotencyError,
  api_error: ApiError,
};

/** The type an answer without an error envelope is given, by status (as the API documents). */
const typeByStatus: Record<number, ErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  408: 'invalid_request_error',
  409: 'idempotency_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
};

/** The error for an answer with this status, headers and (maybe) parsed body. */
export function errorFromResponse(
  statusCode: number,
  headers: Record<string, string>,
  body: unknown,
  text: string,
): PassmintError {
  const envelope =
    body && typeof body === 'object' && 'error' in body && (body as { error: unknown }).error && typeof (body as { error: unknown }).error === 'object'
      ? ((body as { error: Record<string, unknown> }).error)
      : undefined;
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  // An unknown type (a newer server) keeps its name on the base class; an answer
  // without an envelope (a proxy's 502, a 429) is typed by its status.
  const type = str(envelope?.type) ?? typeByStatus[statusCode] ?? 'api_error';
  const Class = Object.prototype.hasOwnProperty.call(errorClasses, type)
    ? errorClasses[type as ErrorType]
    : PassmintError;
  const message =
    str(envelope?.message) ??
    `Unexpected ${statusCode} answer${text ? `: ${text.slice(0, 200)}` : ' with an empty body'}`;
  return new Class({
    type,
    message,
    code: str(envelope?.code),
    param: str(envelope?.param),
    statusCode,
    requestId: headers['request-id'] ?? null,
    headers,
    raw: envelope ?? body,
  });
}
