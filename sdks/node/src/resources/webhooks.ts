import { Resource, type BodyOf, type ItemOf, type QueryOf, type ResponseOf } from '../core.js';
import type { RequestOptions, WithResponse } from '../http.js';
import type { ListPromise } from '../pagination.js';
import {
  constructEvent,
  generateTestHeaders,
  verifySignature,
  type ConstructEventOptions,
  type WebhookEvent,
  type WebhookHeaders,
  type WebhookPayload,
} from '../webhook-signature.js';

/** `/v1/webhooks/{id}/deliveries`: a webhook's delivery log. */
export class WebhookDeliveries extends Resource {
  /**
   * Lists the webhook's last 100 deliveries, newest first
   * (`GET /v1/webhooks/{id}/deliveries`). The API takes no cursor here, so iterating
   * the result gives the items of this one page.
   */
  list(webhookId: string, params?: QueryOf<'listWebhookDeliveries'>, options?: RequestOptions): ListPromise<ItemOf<'listWebhookDeliveries'>> {
    return this.api.list('listWebhookDeliveries', { id: webhookId }, params, options);
  }

  /** Sends a delivery again now, whatever its status (`POST /v1/webhooks/{id}/deliveries/{delivery_id}/retry`). */
  retry(webhookId: string, deliveryId: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'retryWebhookDelivery'>>> {
    return this.api.call('retryWebhookDelivery', { path: { id: webhookId, delivery_id: deliveryId } }, options);
  }
}

/** `/v1/webhooks`: endpoints that receive the events of one mode, and signature checks. */
export class Webhooks extends Resource {
  /** The delivery log of a webhook. */
  readonly deliveries: WebhookDeliveries = new WebhookDeliveries(this.api);

  /** Registers a webhook (`POST /v1/webhooks`). The answer holds its `secret`: store it. */
  create(params: BodyOf<'createWebhook'>, options?: RequestOptions): Promise<WithResponse<ResponseOf<'createWebhook'>>> {
    return this.api.call('createWebhook', { body: params }, options);
  }

  /** Retrieves a webhook, without its secret (`GET /v1/webhooks/{id}`). */
  retrieve(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'retrieveWebhook'>>> {
    return this.api.call('retrieveWebhook', { path: { id } }, options);
  }

  /** Updates a webhook's url, events, description or enabled status (`PATCH /v1/webhooks/{id}`). */
  update(id: string, params: BodyOf<'updateWebhook'> = {}, options?: RequestOptions): Promise<WithResponse<ResponseOf<'updateWebhook'>>> {
    return this.api.call('updateWebhook', { path: { id }, body: params }, options);
  }

  /** Deletes a webhook and its delivery log for good (`DELETE /v1/webhooks/{id}`). */
  delete(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'deleteWebhook'>>> {
    return this.api.call('deleteWebhook', { path: { id } }, options);
  }

  /** Same as `delete`. */
  del(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'deleteWebhook'>>> {
    return this.delete(id, options);
  }

  /** Lists every webhook of the key's mode, newest first (`GET /v1/webhooks`; one page). */
  list(params?: QueryOf<'listWebhooks'>, options?: RequestOptions): ListPromise<ItemOf<'listWebhooks'>> {
    return this.api.list('listWebhooks', undefined, params, options);
  }

  /**
   * Replaces the signing secret (`POST /v1/webhooks/{id}/rotate_secret`). The answer
   * holds the new secret; for 24 hours deliveries are signed with both.
   */
  rotateSecret(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'rotateWebhookSecret'>>> {
    return this.api.call('rotateWebhookSecret', { path: { id } }, options);
  }

  /**
   * Verifies a delivery's signature (Standard Webhooks) and returns its event.
   * Throws `WebhookVerificationError` when the signature does not match any entry of
   * `webhook-signature`, or the timestamp is more than `toleranceSeconds` (300) away
   * from now. Give the raw body exactly as received.
   */
  constructEvent(payload: WebhookPayload, headers: WebhookHeaders, secret: string, options?: ConstructEventOptions): WebhookEvent {
    return constructEvent(payload, headers, secret, options);
  }

  /** Verifies a delivery's signature without parsing it; throws `WebhookVerificationError`. */
  verifySignature(payload: WebhookPayload, headers: WebhookHeaders, secret: string, options?: ConstructEventOptions): void {
    verifySignature(payload, headers, secret, options);
  }

  /** Signed headers for a payload, as the API sends them (to test your handler). */
  generateTestHeaders(payload: WebhookPayload, secret: string, options?: { id?: string; timestamp?: number }): ReturnType<typeof generateTestHeaders> {
    return generateTestHeaders(payload, secret, options);
  }
}
