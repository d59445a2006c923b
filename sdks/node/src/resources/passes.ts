import { Resource, type BodyOf, type ItemOf, type QueryOf, type ResponseOf } from '../core.js';
import type { RequestOptions, WithResponse } from '../http.js';
import type { ListPromise } from '../pagination.js';

/** `/v1/passes`: wallet passes issued from templates. */
export class Passes extends Resource {
  /** Issues a pass from a template (`POST /v1/passes`). Idempotent: see `RequestOptions.idempotencyKey`. */
  create(params: BodyOf<'createPass'>, options?: RequestOptions): Promise<WithResponse<ResponseOf<'createPass'>>> {
    return this.api.call('createPass', { body: params }, options);
  }

  /** Retrieves a pass by id (`GET /v1/passes/{id}`). */
  retrieve(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'retrievePass'>>> {
    return this.api.call('retrievePass', { path: { id } }, options);
  }

  /**
   * Updates a pass's field values and/or metadata (`PATCH /v1/passes/{id}`): given
   * keys are merged, `null` resets a field or removes a metadata key.
   */
  update(id: string, params: BodyOf<'updatePass'>, options?: RequestOptions): Promise<WithResponse<ResponseOf<'updatePass'>>> {
    return this.api.call('updatePass', { path: { id }, body: params }, options);
  }

  /** Voids a pass (`DELETE /v1/passes/{id}`); it is returned with `voided: true`. */
  void(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'voidPass'>>> {
    return this.api.call('voidPass', { path: { id } }, options);
  }

  /** Lists passes, newest first (`GET /v1/passes`); `for await` the result to walk every page. */
  list(params?: QueryOf<'listPasses'>, options?: RequestOptions): ListPromise<ItemOf<'listPasses'>> {
    return this.api.list('listPasses', undefined, params, options);
  }

  /** Lists a pass's events, newest first (`GET /v1/passes/{id}/events`). */
  listEvents(id: string, params?: QueryOf<'listPassEvents'>, options?: RequestOptions): ListPromise<ItemOf<'listPassEvents'>> {
    return this.api.list('listPassEvents', { id }, params, options);
  }
}
