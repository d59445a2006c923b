// A local HTTP server that answers what each test scripts, and records every
// request it gets: for the behaviours the real server cannot be made to show
// (500s, 429s, Retry-After, in-use idempotency keys, timeouts).

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Recorded {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  /** Destroy the connection instead of answering. */
  drop?: boolean;
  /** Wait this long before answering. */
  delayMs?: number;
}

export type Handler = (req: Recorded, n: number) => Reply | Promise<Reply>;

export interface Stub {
  baseUrl: string;
  requests: Recorded[];
  /** Replace the handler. */
  handle(h: Handler): void;
  close(): Promise<void>;
}

export function errorBody(type: string, message: string, code: string | null = null, param: string | null = null) {
  return { error: { type, code, message, param } };
}

export async function startStub(initial: Handler = () => ({ status: 200, body: {} })): Promise<Stub> {
  let handler = initial;
  const requests: Recorded[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'http://stub');
    const rec: Recorded = {
      method: req.method ?? '',
      url: req.url ?? '',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(rec);
    const reply = await handler(rec, requests.length);
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    const body = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status ?? 200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Request-Id': `req_stub${String(requests.length).padStart(20, '0')}`,
      ...reply.headers,
    });
    res.end(body);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A syntactically valid test key (the stub accepts anything). */
export const TEST_KEY = 'pmk_test_' + 'a'.repeat(32);
export const LIVE_KEY = 'pmk_live_' + 'b'.repeat(32);
