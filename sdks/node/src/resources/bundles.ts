import { Resource, type BodyOf, type ResponseOf } from '../core.js';
import type { RequestOptions, WithResponse } from '../http.js';

/** `/v1/bundles`: several passes of one mode, added to Apple Wallet in one tap. */
export class Bundles extends Resource {
  /**
   * Bundles 1 to 10 distinct passes of the key's mode, none voided
   * (`POST /v1/bundles`): `url` is a landing page listing them, `download_url`
   * every signed pass in one `.pkpasses` file. Idempotent: see
   * `RequestOptions.idempotencyKey`.
   */
  create(params: BodyOf<'createBundle'>, options?: RequestOptions): Promise<WithResponse<ResponseOf<'createBundle'>>> {
    return this.api.call('createBundle', { body: params }, options);
  }

  /** Retrieves a bundle by id (`GET /v1/bundles/{id}`). */
  retrieve(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'retrieveBundle'>>> {
    return this.api.call('retrieveBundle', { path: { id } }, options);
  }
}
