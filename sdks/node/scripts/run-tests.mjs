#!/usr/bin/env node
// Compiles the tests (test/ -> build/test) and runs them with Node's test runner:
// unit tests, then the integration tests against a real `passmint serve`
// ($PASSMINT_BIN, default ../../target/debug/passmint). Expects `npm run build` first.
//
//   node scripts/run-tests.mjs                 # everything
//   node scripts/run-tests.mjs --unit          # unit tests only
//   node scripts/run-tests.mjs --integration   # integration tests only
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const args = process.argv.slice(2);
const only = args.includes('--unit') ? ['unit'] : args.includes('--integration') ? ['integration'] : ['unit', 'integration'];

if (!existsSync(join(root, 'dist', 'esm', 'index.js')) || !existsSync(join(root, 'dist', 'cjs', 'index.js'))) {
  console.error('dist/ is missing: run `npm run build` first (npm test does).');
  process.exit(1);
}

rmSync(join(root, 'build'), { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.test.json')], { stdio: 'inherit', cwd: root });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

const files = [];
for (const kind of only) {
  const dir = join(root, 'build', 'test', kind);
  if (!existsSync(dir)) continue;
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.test.js')) files.push(relative(root, join(dir, f)));
}
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}

const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
  env: process.env,
});
process.exit(run.status ?? 1);
