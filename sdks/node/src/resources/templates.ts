import { Resource, type BodyOf, type ItemOf, type QueryOf, type ResponseOf } from '../core.js';
import type { RequestOptions, WithResponse } from '../http.js';
import type { ListPromise } from '../pagination.js';

/** `/v1/templates`: the designs passes are issued from (shared by test and live mode). */
export class Templates extends Resource {
  /** Creates a template (`POST /v1/templates`). */
  create(params: BodyOf<'createTemplate'>, options?: RequestOptions): Promise<WithResponse<ResponseOf<'createTemplate'>>> {
    return this.api.call('createTemplate', { body: params }, options);
  }

  /** Retrieves a template by id, archived ones included (`GET /v1/templates/{id}`). */
  retrieve(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'retrieveTemplate'>>> {
    return this.api.call('retrieveTemplate', { path: { id } }, options);
  }

  /** Updates a template's name, design or archived status (`PATCH /v1/templates/{id}`). */
  update(id: string, params: BodyOf<'updateTemplate'> = {}, options?: RequestOptions): Promise<WithResponse<ResponseOf<'updateTemplate'>>> {
    return this.api.call('updateTemplate', { path: { id }, body: params }, options);
  }

  /** Archives a template (`DELETE /v1/templates/{id}`): its passes stay valid, no new ones can be issued. */
  archive(id: string, options?: RequestOptions): Promise<WithResponse<ResponseOf<'archiveTemplate'>>> {
    return this.api.call('archiveTemplate', { path: { id } }, options);
  }

  /** Lists the non-archived templates, newest first (`GET /v1/templates`). */
  list(params?: QueryOf<'listTemplates'>, options?: RequestOptions): ListPromise<ItemOf<'listTemplates'>> {
    return this.api.list('listTemplates', undefined, params, options);
  }
}
