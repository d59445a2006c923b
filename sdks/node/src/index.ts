export { Passmint, DEFAULT_BASE_URL, KEY_PREFIXES, modeOfKey } from './client.js';
export type { Mode, PassmintConfig } from './client.js';
export {
  PassmintError,
  InvalidRequestError,
  AuthenticationError,
  NotFoundError,
  BillingError,
  IdempotencyError,
  ApiError,
  PassmintConnectionError,
  WebhookVerificationError,
  errorClasses,
} from './errors.js';
export type { RequestOptions, ResponseMeta, WithResponse } from './http.js';
export { ListPage } from './pagination.js';
export type { ListPromise, ListEnvelope, PageParams } from './pagination.js';
export {
  constructEvent,
  verifySignature,
  generateTestHeaders,
  DEFAULT_TOLERANCE_SECONDS,
} from './webhook-signature.js';
export type { WebhookEvent, WebhookHeaders, WebhookPayload, ConstructEventOptions } from './webhook-signature.js';
export { VERSION } from './version.js';

// Every request and response type of the API, generated from its OpenAPI document.
export * from './generated/openapi.js';
export type {
  PassObject as Pass,
  TemplateObject as Template,
  PassEventObject as PassEvent,
  WebhookObject as Webhook,
  WebhookWithSecretObject as WebhookWithSecret,
  WebhookDeliveryObject as WebhookDelivery,
  BundleObject as Bundle,
} from './generated/openapi.js';

import { Passmint } from './client.js';
export default Passmint;
