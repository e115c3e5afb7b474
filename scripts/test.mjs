#!/usr/bin/env node
// `npm test`: runs the native test executable (every kernel × backend against the float64
// reference) and the vitest suite, then prints one closing line with the totals of both.
// Flags: --native-only, --js-only; anything after `--` goes to vitest.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const dashdash = args.indexOf('--');
const vitestArgs = dashdash >= 0 ? args.slice(dashdash + 1) : [];
const nativeOnly = args.includes('--native-only');
const jsOnly = args.includes('--js-only');

const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

function runNative() {
  const candidates = ['build/Release/kerno_tests', 'build/kerno_tests', 'build/Release/kerno_tests.exe'];
  const exe = candidates.map((c) => join(root, c)).find((c) => existsSync(c));
  if (!exe) {
    console.error('kerno: native test executable not found; run `npm install` (or `npm run build:native`) first.');
    broken = true;
    return;
  }
  const r = spawnSync(exe, [], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout ?? '');
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/m.exec(r.stdout ?? '');
  if (!m) {
    console.error(`kerno: native tests ended without a summary (exit ${r.status}, signal ${r.signal}).`);
    totals.failed += 1;
    broken = true;
    return;
  }
  totals.passed += Number(m[1]);
  totals.failed += Number(m[2]);
  totals.skipped += Number(m[3] ?? 0);
  if (r.status !== 0 && Number(m[2]) === 0) broken = true;
}

function runVitest() {
  const out = join(root, '.vitest-results.json');
  rmSync(out, { force: true });
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const r = spawnSync(
    process.execPath,
    [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...vitestArgs],
    { cwd: root, stdio: 'inherit' },
  );
  if (!existsSync(out)) {
    console.error(`kerno: vitest wrote no results (exit ${r.status}).`);
    totals.failed += 1;
    broken = true;
    return;
  }
  const res = JSON.parse(readFileSync(out, 'utf8'));
  totals.passed += res.numPassedTests;
  totals.failed += res.numFailedTests;
  totals.skipped += (res.numPendingTests ?? 0) + (res.numTodoTests ?? 0);
  // A suite that fails to load counts no tests but must still fail the run.
  if (r.status !== 0 && res.numFailedTests === 0) {
    totals.failed += Math.max(1, res.numFailedTestSuites ?? 0);
    broken = true;
  }
}

if (!jsOnly) runNative();
if (!nativeOnly) runVitest();
console.log(`\ntotal: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || broken ? 1 : 0);
