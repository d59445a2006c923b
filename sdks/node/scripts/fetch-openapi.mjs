#!/usr/bin/env node
// Downloads the API's OpenAPI document into openapi.json (pretty-printed, so its
// diffs are readable). Then run `npm run generate` to refresh the types.
//
//   npm run fetch-openapi                              # from http://127.0.0.1:8080
//   npm run fetch-openapi -- http://127.0.0.1:9000     # from a server at this URL
//   PASSMINT_URL=http://host:port npm run fetch-openapi
//   npm run fetch-openapi -- --bin ../../target/debug/passmint
//       # starts that binary on a free port over a throw-away SQLite database,
//       # fetches the document and stops it
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'openapi.json');
const args = process.argv.slice(2);

async function fetchDoc(baseUrl) {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/openapi.json`;
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  const doc = await res.json();
  if (typeof doc.openapi !== 'string' || !doc.paths) throw new Error(`${url} is not an OpenAPI document`);
  return doc;
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function withServer(bin, fn) {
  const dir = mkdtempSync(join(tmpdir(), 'passmint-openapi-'));
  const port = await freePort();
  const child = spawn(resolve(bin), ['serve'], {
    env: { ...process.env, DATABASE_URL: `sqlite://${join(dir, 'db.sqlite')}`, PASSMINT_ADDR: `127.0.0.1:${port}`, RUST_LOG: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${bin} exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${baseUrl}/healthz`)).ok) break;
      } catch {
        // not yet listening
      }
      if (Date.now() > until) throw new Error(`${bin} did not start within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return await fn(baseUrl);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

const binAt = args.indexOf('--bin');
let doc;
if (binAt >= 0) {
  const bin = args[binAt + 1];
  if (!bin) throw new Error('--bin needs the path of the passmint binary');
  doc = await withServer(bin, fetchDoc);
} else {
  doc = await fetchDoc(args[0] ?? process.env.PASSMINT_URL ?? 'http://127.0.0.1:8080');
}
writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
console.log(`wrote ${out} (OpenAPI ${doc.openapi}, ${Object.keys(doc.paths).length} paths); now run \`npm run generate\``);
