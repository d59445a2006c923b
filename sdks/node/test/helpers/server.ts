// Runs a real `passmint serve` for the integration tests: a free port, a fresh
// SQLite database in the temporary directory, private webhook targets allowed.
// The binary is $PASSMINT_BIN, else ../../target/debug/passmint from sdks/node.
// A missing binary is an error, never a skip.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** sdks/node (this file is build/test/helpers/server.js once compiled). */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

export function passmintBin(): string {
  const given = process.env.PASSMINT_BIN;
  return given ? resolve(given) : resolve(PACKAGE_ROOT, '../../target/debug/passmint');
}

export interface Account {
  account_id: string;
  test_key: string;
  live_key: string;
}

export interface PassmintServer {
  baseUrl: string;
  port: number;
  databaseUrl: string;
  dir: string;
  /** Runs the CLI against the same database; answers its parsed JSON output. */
  cli(args: string[]): Promise<unknown>;
  createAccount(name: string, extra?: string[]): Promise<Account>;
  /** Everything the server wrote to stderr so far. */
  logs(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

async function waitHealthy(baseUrl: string, child: ChildProcess, logs: () => string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) {
      throw new Error(`passmint serve exited with ${child.exitCode} before it was ready:\n${logs()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`passmint serve was not healthy within ${deadlineMs} ms:\n${logs()}`);
}

export async function startPassmint(extraEnv: Record<string, string> = {}): Promise<PassmintServer> {
  const bin = passmintBin();
  if (!existsSync(bin)) {
    throw new Error(
      `The passmint binary is missing at ${bin}. Build it first (cargo build -p passmint-server ` +
        `--bin passmint, from the repository root) or point PASSMINT_BIN at it. ` +
        `The integration tests need a real server and do not skip.`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'passmint-sdk-'));
  const databaseUrl = `sqlite://${join(dir, 'passmint.db')}`;
  const dbEnv = { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: process.env.RUST_LOG ?? 'warn,passmint_server=info' };

  // A port that was free a moment ago; if another process takes it meanwhile the
  // server exits at once, and the next try gets another.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const child = spawn(bin, ['serve'], {
      env: {
        ...dbEnv,
        PASSMINT_ADDR: `127.0.0.1:${port}`,
        PASSMINT_WEBHOOK_ALLOW_PRIVATE: 'true',
        PASSMINT_WEBHOOK_RETRY_SCHEDULE: '1s,1s',
        PASSMINT_WEBHOOK_TIMEOUT: '5s',
        PASSMINT_WORKERS: '2',
        PASSMINT_DB_POOL_SIZE: '4',
        NO_COLOR: '1',
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      stderr += d;
    });
    const logs = (): string => stderr;
    try {
      await waitHealthy(baseUrl, child, logs, 60_000);
    } catch (e) {
      lastError = e;
      child.kill('SIGKILL');
      continue;
    }
    const cli = async (args: string[]): Promise<unknown> => {
      const { stdout } = await execFileP(bin, args, { env: dbEnv, timeout: 60_000 });
      return JSON.parse(stdout);
    };
    return {
      baseUrl,
      port,
      databaseUrl,
      dir,
      cli,
      createAccount: async (name, extra = []) => (await cli(['accounts', 'create', '--name', name, ...extra])) as Account,
      logs,
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  rmSync(dir, { recursive: true, force: true });
  throw lastError;
}

/** Polls `fn` until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(fn: () => Promise<T | undefined>, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/**
 * A signing identity made with the openssl command line: a CA standing in for
 * Apple's WWDR and a Pass Type ID certificate (UID and OU set) it issued. Enough
 * for `accounts set-signing-identity`, so live passes can be issued.
 */
export async function makeSigningIdentity(dir: string): Promise<{ cert: string; key: string; wwdr: string }> {
  const run = (args: string[]) => execFileP('openssl', args, { cwd: dir, timeout: 60_000 });
  await run([
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-subj', '/CN=SDK Test WWDR/O=Passmint SDK tests', '-days', '30',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run([
    'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'pass.key', '-out', 'pass.csr',
    '-subj', '/UID=pass.com.example.sdk/OU=SDKTEAM123/CN=Pass Type ID: pass.com.example.sdk/O=Example',
  ]);
  await run(['x509', '-req', '-in', 'pass.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'pass.pem', '-days', '30']);
  return { cert: join(dir, 'pass.pem'), key: join(dir, 'pass.key'), wwdr: join(dir, 'ca.pem') };
}

/** A small valid design for templates made by the tests. */
export function design(org = 'Acme Events') {
  return {
    organization_name: org,
    description: 'SDK test ticket',
    colors: { background: '#1d1d3f', foreground: '#ffffff' },
    fields: {
      primary: [{ key: 'event', label: 'Event', value: 'Summer Jam' }],
      secondary: [{ key: 'seatNumber', label: 'Seat', value: 'GA' }],
    },
    barcode: { format: 'qr' as const },
  };
}
