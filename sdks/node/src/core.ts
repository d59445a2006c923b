import { operationDescriptors, type OperationId, type operations } from './generated/openapi.js';
import type { HttpClient, RequestOptions, WithResponse } from './http.js';
import { ListPage, listPromise, type ListEnvelope, type ListPromise, type PageParams } from './pagination.js';

/** The answer type of an operation. */
export type ResponseOf<K extends OperationId> = operations[K]['response'];
/** The query parameters of an operation. */
export type QueryOf<K extends OperationId> = operations[K]['query'];
/** The body of an operation. */
export type BodyOf<K extends OperationId> = operations[K]['body'];
/** The item type of a list operation. */
export type ItemOf<K extends OperationId> = ResponseOf<K> extends { data: Array<infer I> } ? I : never;
/** The operations that answer a list. */
export type ListOperationId = {
  [K in OperationId]: ResponseOf<K> extends { object: 'list' } ? K : never;
}[OperationId];

interface CallArgs {
  path?: Record<string, string>;
  query?: object;
  body?: unknown;
}

/**
 * Calls operations of the API by their operationId, through the generated table
 * of methods and paths (so no path is written twice).
 */
export class ApiCaller {
  constructor(readonly http: HttpClient) {}

  call<K extends OperationId>(id: K, args: CallArgs = {}, options?: RequestOptions): Promise<WithResponse<ResponseOf<K>>> {
    const d = operationDescriptors[id];
    let path: string = d.path;
    for (const name of d.pathParams) {
      const value = args.path?.[name];
      if (typeof value !== 'string' || value === '') {
        return Promise.reject(new TypeError(`Passmint: ${id} needs a non-empty string \`${name}\``));
      }
      path = path.replace(`{${name}}`, encodeURIComponent(value));
    }
    return this.http.request<ResponseOf<K>>(
      {
        method: d.method,
        path,
        query: args.query as Record<string, unknown> | undefined,
        body: d.hasBody ? args.body : undefined,
      },
      options,
    );
  }

  /**
   * A list operation: the first page, async-iterable over all pages when the
   * operation takes cursors (`starting_after`); otherwise over its one page.
   */
  list<K extends ListOperationId>(
    id: K,
    path: Record<string, string> | undefined,
    query: QueryOf<K> | undefined,
    options?: RequestOptions,
  ): ListPromise<ItemOf<K> & { id: string }> {
    type Item = ItemOf<K> & { id: string };
    const d = operationDescriptors[id];
    const paginated = (d.queryParams as readonly string[]).includes('starting_after');
    const fetchPage = (params: PageParams): Promise<ListEnvelope<Item>> =>
      this.call(id, { path, query: params }, options) as unknown as Promise<ListEnvelope<Item>>;
    const params = { ...(query ?? {}) } as PageParams & Record<string, unknown>;
    return listPromise(fetchPage(params).then((env) => new ListPage<Item>(env, params, paginated ? fetchPage : null)));
  }
}

/** The base of the resource classes. */
export abstract class Resource {
  constructor(protected readonly api: ApiCaller) {}
}
