import type { ResponseMeta } from './http.js';

/** Query parameters every cursor-paginated list takes. */
export interface PageParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

/** The list envelope of the API. */
export interface ListEnvelope<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
}

type FetchPage<T> = (params: PageParams) => Promise<ListEnvelope<T> & { lastResponse?: ResponseMeta }>;

/**
 * One page of a list, as the API answered it (`object`, `data`, `has_more`), that is
 * also async-iterable over every item of this page and of the pages after it:
 *
 * ```ts
 * const page = await passmint.passes.list({ limit: 100 });
 * page.data;                      // this page
 * for await (const pass of page)  // every pass, fetching pages as needed
 * ```
 *
 * Iteration follows the direction of the request: with `ending_before` it walks to
 * newer items (each next page asked with `ending_before` = the page's first id),
 * otherwise to older ones (`starting_after` = the page's last id).
 */
export class ListPage<T extends { id: string }> implements ListEnvelope<T>, AsyncIterable<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  /** The HTTP answer of this page. */
  declare readonly lastResponse: ResponseMeta;
  declare private readonly fetchPage: FetchPage<T> | null;
  declare private readonly params: PageParams & Record<string, unknown>;

  constructor(envelope: ListEnvelope<T> & { lastResponse?: ResponseMeta }, params: PageParams & Record<string, unknown>, fetchPage: FetchPage<T> | null) {
    this.object = envelope.object;
    this.data = envelope.data;
    this.has_more = envelope.has_more;
    // Kept off JSON.stringify and console.log of the page.
    Object.defineProperty(this, 'lastResponse', { value: envelope.lastResponse, enumerable: false });
    Object.defineProperty(this, 'fetchPage', { value: fetchPage, enumerable: false });
    Object.defineProperty(this, 'params', { value: params, enumerable: false });
  }

  /** Whether `nextPage()` can fetch more (the list has more and it takes cursors). */
  hasNextPage(): boolean {
    return this.has_more && this.fetchPage !== null && this.data.length > 0;
  }

  /** The next page in the direction of this one, or null at the end. */
  async nextPage(): Promise<ListPage<T> | null> {
    if (!this.hasNextPage() || !this.fetchPage) return null;
    const backwards = this.params.ending_before !== undefined;
    const { starting_after: _a, ending_before: _b, ...rest } = this.params;
    const params = backwards
      ? { ...rest, ending_before: this.data[0]!.id }
      : { ...rest, starting_after: this.data[this.data.length - 1]!.id };
    const envelope = await this.fetchPage(params);
    return new ListPage<T>(envelope, params, this.fetchPage);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let page: ListPage<T> | null = this;
    while (page) {
      for (const item of page.data) yield item;
      page = await page.nextPage();
    }
  }

  /** Every item of this page and the following ones, in one array (at most `max`). */
  async toArray(max = 10_000): Promise<T[]> {
    const out: T[] = [];
    for await (const item of this) {
      if (out.length >= max) break;
      out.push(item);
    }
    return out;
  }
}

/**
 * What a list method returns: a promise of the first page that can also be iterated
 * directly (`for await (const pass of passmint.passes.list())`).
 */
export type ListPromise<T extends { id: string }> = Promise<ListPage<T>> & AsyncIterable<T>;

export function listPromise<T extends { id: string }>(first: Promise<ListPage<T>>): ListPromise<T> {
  const p = first as ListPromise<T>;
  Object.defineProperty(p, Symbol.asyncIterator, {
    value: async function* () {
      const page = await first;
      yield* page;
    },
    enumerable: false,
  });
  return p;
}
