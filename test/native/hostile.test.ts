// Proof that hostile input cannot take the process down: a child process loads the raw addon and
// throws thousands of malformed and randomly sized calls at every function, then exits 0. A
// crash (segfault, abort, std::terminate) would show as a signal or a non-zero status, and a
// store outside the buffers passed is caught by guard values around them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const addonPath = fileURLToPath(new URL('../../build/Release/kerno.node', import.meta.url));

// Runs in the child (CommonJS via `node -e`).
const CHILD = String.raw`
const addon = require(process.argv[process.argv.length - 1]);
let state = 12345;
const rnd = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const detached = () => { const a = new Float32Array(8); structuredClone(a, { transfer: [a.buffer] }); return a; };
const proxy = new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });
const evil = { valueOf() { throw new Error('valueOf'); }, toString() { throw new Error('toString'); } };
// Every buffer is a slice of one arena, refilled with a guard value before each call; after the
// call, every element outside the slices handed out must still hold it, so an out-of-bounds
// store anywhere in the arena fails the run.
const SLOT = 64, SLOTS = 24, GUARD = 7;
const arena = new Float32Array(SLOT * SLOTS).fill(GUARD);
let used = [];
const buf = () => {
  const k = used.length % SLOTS, n = Math.floor(rnd() * 40), o = k * SLOT + 8;
  used.push([o, o + n]);
  return arena.subarray(o, o + n);
};
const checkGuards = (name, args) => {
  const inside = new Uint8Array(arena.length);
  for (const [b, e] of used) inside.fill(1, b, e);
  for (let i = 0; i < arena.length; i++) {
    if (!inside[i] && arena[i] !== GUARD) {
      throw new Error(name + ' wrote outside its buffers at ' + i + ' with ' + args.map((a) => ArrayBuffer.isView(a) ? 'F32[' + a.length + ']' : typeof a === 'object' && a !== null ? 'object' : typeof a === 'symbol' ? 'symbol' : String(a)).join(', '));
    }
  }
};
const values = () => pick([
  buf, buf, buf, null, undefined, 0, 1, 2, 3, -1, 2.5, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, 2 ** 62, -(2 ** 53),
  1n, -1n, 2n ** 64n, 'x', '', Symbol('s'), [], [1, 2, 3], {}, proxy, evil, () => 1, new Float64Array(8), new Int32Array(8),
  new Uint8Array(8), new ArrayBuffer(32), new DataView(new ArrayBuffer(32)), detached, new Float32Array(0), true, false,
]);
// Builders (buf, detached) run only when picked, so only buffers actually passed take a slot.
const value = () => { const v = values(); return v === buf || v === detached ? v() : v; };
const ARITY = { gemm: 14, denseForward: 8, denseBackward: 10, activationForward: 5, activationBackward: 7, softmaxForward: 5,
  softmaxBackward: 6, lossForward: 8, lossBackward: 9, optimizerUpdate: 18, sumSquares: 2, scale: 3, clipByValue: 3, rngFill: 7,
  setNumThreads: 1, getNumThreads: 0, backendInfo: 0 };
const backends = addon.backendInfo().backends.length;
let calls = 0, threw = 0, ok = 0;
const names = Object.keys(ARITY);
for (let iter = 0; iter < 20000; iter++) {
  const name = names[iter % names.length];
  if (name === 'setNumThreads' && iter % 5 !== 0) continue;
  const args = [];
  const n = ARITY[name] + (rnd() < 0.1 ? -1 : 0);
  for (let i = 0; i < n; i++) {
    // Mostly plausible values (small integers, real buffers) so calls get past the first check.
    const r = rnd();
    if (i === 0 && name !== 'setNumThreads') args.push(r < 0.9 ? Math.floor(rnd() * backends) : value());
    else if (r < 0.45) args.push(Math.floor(rnd() * 9));
    else if (r < 0.75) args.push(buf());
    else args.push(value());
  }
  calls++;
  try { addon[name](...args); ok++; } catch (e) { threw++; if (!(e instanceof Error)) throw new Error('non-Error thrown: ' + String(e)); }
  checkGuards(name, args);
  arena.fill(GUARD);
  used = [];
}
addon.setNumThreads(addon.backendInfo().physicalCores);
process.stdout.write(JSON.stringify({ calls, threw, ok }));
`;

describe('hostile inputs in a child process', () => {
  it('the process survives thousands of malformed calls and exits 0', () => {
    const r = spawnSync(process.execPath, ['-e', CHILD, addonPath], { encoding: 'utf8', timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { calls: number; threw: number; ok: number };
    expect(summary.calls).toBeGreaterThan(15000);
    // Both outcomes occur: most random calls are refused, some are valid and run.
    expect(summary.threw).toBeGreaterThan(1000);
    expect(summary.ok).toBeGreaterThan(100);
  });
});
