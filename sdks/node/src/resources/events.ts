import { Resource, type ItemOf, type QueryOf } from '../core.js';
import type { RequestOptions } from '../http.js';
import type { ListPromise } from '../pagination.js';

/** `/v1/events`: the lifecycle events of passes. */
export class Events extends Resource {
  /** Lists the events of every pass of the key's mode, newest first (`GET /v1/events`). */
  list(params?: QueryOf<'listEvents'>, options?: RequestOptions): ListPromise<ItemOf<'listEvents'>> {
    return this.api.list('listEvents', undefined, params, options);
  }

  /** Lists one pass's events, newest first (`GET /v1/passes/{id}/events`). */
  listForPass(passId: string, params?: QueryOf<'listPassEvents'>, options?: RequestOptions): ListPromise<ItemOf<'listPassEvents'>> {
    return this.api.list('listPassEvents', { id: passId }, params, options);
  }
}
