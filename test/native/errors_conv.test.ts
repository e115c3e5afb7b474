// Bad input to the conv-family ops, at both layers. The raw addon (no TypeScript checks): every
// argument that could make native code leave its buffers throws a TypeError/RangeError naming it,
// geometry the kernels refuse comes back as an Error with `code`, and a child process survives
// thousands of malformed calls without writing outside its buffers. The TS wrappers: ValueError /
// ShapeError in the one message format, before any native call.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { KernoError, ShapeError, ValueError } from '../../src/errors.js';
import * as conv from '../../src/nativeConv.js';
import * as layersNative from '../../src/nativeLayers.js';
import type { NativeConvAddon } from '../../src/nativeConv.js';
import { addon } from './helpers.js';

const raw = addon as NativeConvAddon;
const f = (n: number) => new Float32Array(n);
const ones = (n: number) => new Float32Array(n).fill(1);

interface RawOp {
  good: () => unknown[];
  /** [position, name, nullable, can be shortened] */
  buffers: [number, string, boolean, boolean][];
  /** First position of the size arguments and their names. */
  sizes: [number, string[]];
}

// 1×3×3×2 input, 2×2 window, 2 filters, stride 1: a 1×2×2 output.
const CONV = ['B', 'H', 'W', 'C', 'OH', 'OW', 'KH', 'KW', 'K', 'strideH', 'strideW', 'dilationH', 'dilationW', 'padTop', 'padLeft'];
const convGeo = [1, 3, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0];
const POOL = ['B', 'H', 'W', 'C', 'OH', 'OW', 'KH', 'KW', 'strideH', 'strideW', 'padTop', 'padLeft'];
const poolGeo = [1, 3, 3, 2, 2, 2, 2, 2, 1, 1, 0, 0];
const PAD = ['B', 'H', 'W', 'C', 'top', 'bottom', 'left', 'right'];
const padGeo = [1, 2, 2, 1, 1, 0, 0, 1]; // smaller 2×2, larger 3×3
const UP = ['B', 'H', 'W', 'C', 'sh', 'sw'];
const upGeo = [1, 2, 2, 1, 2, 3]; // 2×2 → 4×6

const RAW: Record<string, RawOp> = {
  conv2dForward: { good: () => [0, f(8), f(18), f(16), f(2), ...convGeo, 0, 0],
    buffers: [[1, 'out', false, true], [2, 'inp', false, true], [3, 'kernel', false, true], [4, 'bias', true, true]], sizes: [5, CONV] },
  conv2dBackwardData: { good: () => [0, f(18), f(8), f(16), ...convGeo],
    buffers: [[1, 'dinp', false, true], [2, 'dout', false, true], [3, 'kernel', false, true]], sizes: [4, CONV] },
  conv2dBackwardFilter: { good: () => [0, f(16), f(2), f(8), f(18), ...convGeo],
    buffers: [[1, 'dkernel', false, true], [2, 'dbias', true, true], [3, 'dout', false, true], [4, 'inp', false, true]], sizes: [5, CONV] },
  depthwiseConv2dForward: { good: () => [0, f(16), f(18), f(16), f(4), ...convGeo, 0, 0],
    buffers: [[1, 'out', false, true], [2, 'inp', false, true], [3, 'kernel', false, true], [4, 'bias', true, true]], sizes: [5, CONV] },
  depthwiseConv2dBackward: { good: () => [0, f(18), f(16), f(4), f(16), f(18), f(16), ...convGeo],
    buffers: [[1, 'dinp', true, true], [2, 'dkernel', true, true], [3, 'dbias', true, true], [4, 'dout', false, true],
      [5, 'inp', false, true], [6, 'kernel', false, true]], sizes: [7, CONV] },
  maxPool2dForward: { good: () => [0, f(8), f(18), ...poolGeo], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, POOL] },
  maxPool2dBackward: { good: () => [0, f(18), f(8), f(18), ...poolGeo],
    buffers: [[1, 'dinp', false, true], [2, 'dout', false, true], [3, 'inp', false, true]], sizes: [4, POOL] },
  avgPool2dForward: { good: () => [0, f(8), f(18), ...poolGeo], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, POOL] },
  avgPool2dBackward: { good: () => [0, f(18), f(8), ...poolGeo], buffers: [[1, 'dinp', false, true], [2, 'dout', false, true]], sizes: [3, POOL] },
  globalAvgPoolForward: { good: () => [0, f(4), f(12), 2, 3, 2], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, ['B', 'S', 'C']] },
  globalAvgPoolBackward: { good: () => [0, f(12), f(4), 2, 3, 2], buffers: [[1, 'dinp', false, true], [2, 'dout', false, true]], sizes: [3, ['B', 'S', 'C']] },
  globalMaxPoolForward: { good: () => [0, f(4), f(12), 2, 3, 2], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, ['B', 'S', 'C']] },
  globalMaxPoolBackward: { good: () => [0, f(12), f(4), f(12), 2, 3, 2],
    buffers: [[1, 'dinp', false, true], [2, 'dout', false, true], [3, 'inp', false, true]], sizes: [4, ['B', 'S', 'C']] },
  batchnormForwardTrain: { good: () => [0, f(12), f(3), f(3), f(3), ones(3), f(12), f(3), f(3), 4, 3, 0.9, 1e-3],
    buffers: [[1, 'out', false, true], [2, 'savedMean', true, true], [3, 'savedInvstd', true, true], [4, 'movingMean', true, true],
      [5, 'movingVar', true, true], [6, 'inp', false, true], [7, 'gamma', true, true], [8, 'beta', true, true]], sizes: [9, ['N', 'C']] },
  batchnormForwardInfer: { good: () => [0, f(12), f(12), f(3), f(3), f(3), ones(3), 4, 3, 1e-3],
    buffers: [[1, 'out', false, true], [2, 'inp', false, true], [3, 'gamma', true, true], [4, 'beta', true, true],
      [5, 'movingMean', false, true], [6, 'movingVar', false, true]], sizes: [7, ['N', 'C']] },
  batchnormBackward: { good: () => [0, f(12), f(3), f(3), f(12), f(12), f(3), f(3), ones(3), 4, 3],
    buffers: [[1, 'dinp', true, true], [2, 'dgamma', true, true], [3, 'dbeta', true, true], [4, 'dout', false, true],
      [5, 'inp', false, true], [6, 'gamma', true, true], [7, 'savedMean', false, true], [8, 'savedInvstd', false, true]], sizes: [9, ['N', 'C']] },
  dropoutForward: { good: () => [0, f(5), f(5), f(5), 0.5, 7n, 0],
    buffers: [[1, 'out', false, true], [2, 'mask', false, true], [3, 'inp', false, false]], sizes: [0, []] },
  dropoutBackward: { good: () => [0, f(5), f(5), f(5)],
    buffers: [[1, 'dinp', false, true], [2, 'dout', false, false], [3, 'mask', false, true]], sizes: [0, []] },
  zeroPad2dForward: { good: () => [0, f(9), f(4), ...padGeo], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, PAD] },
  zeroPad2dBackward: { good: () => [0, f(4), f(9), ...padGeo], buffers: [[1, 'dinp', false, true], [2, 'dout', false, true]], sizes: [3, PAD] },
  crop2dForward: { good: () => [0, f(4), f(9), ...padGeo], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, PAD] },
  crop2dBackward: { good: () => [0, f(9), f(4), ...padGeo], buffers: [[1, 'dinp', false, true], [2, 'dout', false, true]], sizes: [3, PAD] },
  upsample2dForward: { good: () => [0, f(24), f(4), ...upGeo], buffers: [[1, 'out', false, true], [2, 'inp', false, true]], sizes: [3, UP] },
  upsample2dBackward: { good: () => [0, f(4), f(24), ...upGeo], buffers: [[1, 'dinp', false, true], [2, 'dout', false, true]], sizes: [3, UP] },
};

type Fn = (...args: unknown[]) => unknown;
const call = (op: string, args: unknown[]) => (raw as unknown as Record<string, Fn>)[op](...args);
const with_ = (args: unknown[], pos: number, v: unknown) => { const a = args.slice(); a[pos] = v; return a; };
function detached(n: number): Float32Array {
  const a = f(n);
  structuredClone(a, { transfer: [a.buffer] });
  return a;
}
function expectThrow(fn: () => unknown, type: new (...a: never[]) => Error, pattern: RegExp): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected ${type.name} ${pattern}`).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(pattern);
}

describe.each(Object.entries(RAW))('raw %s', (op, spec) => {
  it('accepts the good arguments', () => {
    expect(() => call(op, spec.good())).not.toThrow();
  });

  it.each(spec.buffers)('protects buffer #%s "%s"', (pos, name, nullable, shortens) => {
    const msg = (what: string) => new RegExp(`^${op}: argument "${name}" expected ${what}, received .+\\.$`);
    const wrong: unknown[] = [3, [1, 2, 3], new Float64Array(32), new Int32Array(32), new ArrayBuffer(128), 'x', {}];
    if (!nullable) wrong.push(null, undefined);
    for (const v of wrong) expectThrow(() => call(op, with_(spec.good(), pos, v)), TypeError, msg('a Float32Array'));
    const good = spec.good()[pos] as Float32Array;
    expectThrow(() => call(op, with_(spec.good(), pos, detached(good.length))), TypeError, msg('a Float32Array that is not detached'));
    if (shortens) {
      expectThrow(() => call(op, with_(spec.good(), pos, f(good.length - 1))), RangeError,
        new RegExp(`^${op}: argument "${name}" expected a Float32Array of at least ${good.length} elements( or null)?, ` +
          `received a Float32Array of length ${good.length - 1}\\.$`));
    }
  });

  it('checks every size', () => {
    const [first, names] = spec.sizes;
    names.forEach((name, k) => {
      for (const v of [-1, 1.5, NaN, Infinity, 2 ** 53])
        expectThrow(() => call(op, with_(spec.good(), first + k, v)), RangeError, new RegExp(`^${op}: argument "${name}" expected`));
      for (const v of ['2', null, undefined, 2n])
        expectThrow(() => call(op, with_(spec.good(), first + k, v)), TypeError, new RegExp(`^${op}: argument "${name}" expected`));
    });
  });

  it('checks the backend id and survives no arguments', () => {
    for (const v of [99, -1, 0.5, NaN])
      expectThrow(() => call(op, with_(spec.good(), 0, v)), RangeError, new RegExp(`^${op}: argument "backend" expected a backend index`));
    expectThrow(() => call(op, with_(spec.good(), 0, 'reference')), TypeError, /argument "backend"/);
    expect(() => call(op, [])).toThrow(TypeError);
  });
});

describe('raw fused activation (conv2dForward, depthwiseConv2dForward)', () => {
  const ACT = 20; // actKind, then actAlpha, after the 15 geometry values
  it.each(['conv2dForward', 'depthwiseConv2dForward'])('%s checks actKind and actAlpha', (op) => {
    for (const v of [2 ** 31, 1.5, NaN]) expectThrow(() => call(op, with_(RAW[op].good(), ACT, v)), RangeError, new RegExp(`^${op}: argument "actKind" expected`));
    for (const v of ['1', null, undefined]) expectThrow(() => call(op, with_(RAW[op].good(), ACT, v)), TypeError, new RegExp(`^${op}: argument "actKind" expected`));
    expectThrow(() => call(op, with_(RAW[op].good(), ACT + 1, 'x')), TypeError, new RegExp(`^${op}: argument "actAlpha" expected`));
    // Kinds outside kerno_activation_kind are the kernels' to refuse, leaving the output untouched.
    const args = RAW[op].good(), out = (args[1] as Float32Array).fill(7);
    for (const kind of [-1, 10])
      expect(() => call(op, with_(args, ACT, kind))).toThrow(expect.objectContaining({ code: 'KERNO_ERR_INVALID_ARGUMENT' }));
    expect(Array.from(out)).toEqual(new Array(out.length).fill(7));
  });
});

describe('raw geometry', () => {
  it('caps window sizes, strides, dilations and pads at 2^31 (keeps kernel index arithmetic in int64)', () => {
    for (const [pos, name] of [[11, 'KH'], [14, 'strideH'], [17, 'dilationW'], [18, 'padTop']] as const)
      expectThrow(() => call('conv2dForward', with_(RAW.conv2dForward.good(), pos, 2 ** 31 + 1)), RangeError,
        new RegExp(`"${name}" expected an integer in \\[0, 2\\^31\\]`));
    expectThrow(() => raw.maxPool2dForward(0, f(8), f(18), 1, 3, 3, 2, 2, 2, 2, 2, 2 ** 40, 1, 0, 0), RangeError, /"strideH"/);
    expectThrow(() => raw.upsample2dForward(0, f(24), f(4), 1, 2, 2, 1, 2 ** 32, 1), RangeError, /"sh"/);
  });

  it('rejects sizes whose products overflow instead of wrapping around', () => {
    const big = 2 ** 40;
    expectThrow(() => raw.conv2dForward(0, f(8), f(18), f(16), null, big, big, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0), RangeError, /"out" expected a Float32Array of at least \d+ elements/);
    expectThrow(() => raw.zeroPad2dForward(0, f(9), f(4), 1, 2, 2, 1, 2 ** 31, 2 ** 31, 0, 1), RangeError, /"out" expected/);
    expectThrow(() => raw.globalAvgPoolForward(0, f(4), f(12), big, big, 2), RangeError, /"out" expected/);
  });

  it('geometry the kernels refuse comes back as KERNO_ERR_INVALID_ARGUMENT, buffers untouched', () => {
    const invalid = { code: 'KERNO_ERR_INVALID_ARGUMENT', status: 'invalid argument' };
    const out = f(8).fill(7);
    // A window that starts past the input (OH too large for H), with buffers big enough for it.
    expect(() => raw.conv2dForward(0, f(64), f(18), f(16), null, 1, 3, 3, 2, 5, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0)).toThrow(expect.objectContaining(invalid));
    // Stride 0 and a pad as wide as the window.
    expect(() => raw.conv2dForward(0, out, f(18), f(16), null, 1, 3, 3, 2, 2, 2, 2, 2, 2, 0, 1, 1, 1, 0, 0, 0, 0)).toThrow(expect.objectContaining(invalid));
    expect(() => raw.maxPool2dForward(0, out, f(18), 1, 3, 3, 2, 2, 2, 2, 2, 1, 1, 2, 0)).toThrow(expect.objectContaining(invalid));
    expect(Array.from(out)).toEqual(new Array(8).fill(7));
    expect(() => raw.dropoutForward(0, f(5), f(5), f(5), 1, 7n, 0)).toThrow(expect.objectContaining(invalid));
    expect(() => raw.upsample2dForward(0, f(24), f(4), 1, 2, 2, 1, 0, 1)).toThrow(expect.objectContaining(invalid));
    expect(() => raw.batchnormForwardTrain(0, f(12), null, null, null, null, f(12), null, null, 4, 3, 0.9, -1)).toThrow(expect.objectContaining(invalid));
  });
});

describe('TS wrappers refuse bad input before native code', () => {
  const x = f(2 * 5 * 5 * 3), k = f(3 * 3 * 3 * 4);
  const base = { inp: x, kernel: k, batch: 2, height: 5, width: 5, channels: 3, filters: 4, kernelSize: 3 };
  const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    ['a Float64Array input', () => conv.conv2dForward({ ...base, inp: new Float64Array(150) as never }), ValueError, /^conv2dForward: argument "inp" expected a Float32Array, received a Float64Array of length 150\.$/],
    ['a short kernel', () => conv.conv2dForward({ ...base, kernel: f(107) }), ShapeError, /"kernel" expected a Float32Array of at least 108 elements/],
    ['a detached input', () => conv.conv2dForward({ ...base, inp: detached(150) }), ValueError, /"inp" expected a Float32Array that is not detached/],
    ['a negative batch', () => conv.conv2dForward({ ...base, batch: -1 }), ValueError, /"batch" expected a non-negative integer, received -1/],
    ['kernelSize 0', () => conv.conv2dForward({ ...base, kernelSize: 0 }), ValueError, /"kernelSize" expected a positive integer/],
    ['a malformed kernelSize', () => conv.conv2dForward({ ...base, kernelSize: [3, 3, 3] as never }), ValueError, /"kernelSize" expected a positive integer or a pair/],
    ['a window larger than the input', () => conv.conv2dForward({ ...base, height: 2, kernelSize: 3, inp: f(60) }), ShapeError, /"height" expected an input height of at least 3 .*Use padding: 'same'/],
    ['a pad as wide as the window', () => conv.conv2dForward({ ...base, padding: { top: 3, left: 0 } }), ShapeError, /"padding.top" expected a pad below the window extent 3/],
    ['an unknown padding', () => conv.conv2dForward({ ...base, padding: 'full' as never }), ValueError, /"padding" expected 'valid', 'same'/],
    ['an unknown backend', () => conv.conv2dForward({ ...base, backend: 'nope' }), ValueError, /"backend" expected a backend index/],
    ['an unknown fused activation', () => conv.conv2dForward({ ...base, activation: 'softmax' as never }), ValueError, /^conv2dForward: argument "activation" expected one of linear, relu, .*received "softmax"/],
    ['a non-finite activation alpha', () => conv.depthwiseConv2dForward({ ...base, activation: 'elu', alpha: NaN }), ValueError, /^depthwiseConv2dForward: argument "alpha" expected a finite number/],
    ['a fractional depth multiplier', () => conv.depthwiseConv2dForward({ ...base, depthMultiplier: 1.5 }), ValueError, /"depthMultiplier" expected a positive integer/],
    ['pool strides of 0', () => conv.maxPool2dForward({ inp: x, batch: 2, height: 5, width: 5, channels: 3, strides: [0, 1] }), ValueError, /"strides\[0\]" expected a positive integer/],
    ['a pool window larger than the input', () => conv.avgPool2dForward({ inp: x, batch: 2, height: 5, width: 5, channels: 3, poolSize: 6 }), ShapeError, /"height" expected/],
    ['an unknown global pool', () => conv.globalPool2dForward('sum' as never, { inp: x, batch: 2, height: 5, width: 5, channels: 3 }), ValueError, /"kind" expected 'avg' or 'max'/],
    ['cropping everything', () => layersNative.crop2dForward({ inp: x, batch: 2, height: 5, width: 5, channels: 3, cropping: [[2, 3], [0, 0]] }), ShapeError, /"cropping" expected a total height crop below the input height 5/],
    ['malformed padding', () => layersNative.zeroPad2dForward({ inp: x, batch: 2, height: 5, width: 5, channels: 3, padding: [1, 2, 3] as never }), ValueError, /"padding" expected a number, \[height, width\]/],
    ['dropout rate 1', () => layersNative.dropoutForward({ inp: x, rate: 1, seed: 1 }), ValueError, /"rate" expected a number in \[0, 1\)/],
    ['a negative seed', () => layersNative.dropoutForward({ inp: x, rate: 0.5, seed: -1 }), ValueError, /"seed" expected a non-negative safe integer/],
    ['a short mask', () => layersNative.dropoutBackward({ dout: x, mask: f(3) }), ShapeError, /"mask" expected a Float32Array of at least 150/],
    ['momentum above 1', () => layersNative.batchnormForwardTrain({ inp: f(6), rows: 2, channels: 3, momentum: 2 }), ValueError, /"momentum" expected a number in \[0, 1\]/],
    ['a short moving variance', () => layersNative.batchnormForwardInfer({ inp: f(6), rows: 2, channels: 3, movingMean: f(3), movingVar: f(2) }), ShapeError, /"movingVar"/],
    ['upsampling size 0', () => layersNative.upsample2dForward({ inp: x, batch: 2, height: 5, width: 5, channels: 3, size: 0 }), ValueError, /"size" expected a positive integer/],
  ];
  it.each(cases)('%s', (_name, fn, type, pattern) => {
    let err: unknown;
    try { fn(); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(type);
    expect(err).toBeInstanceOf(KernoError);
    expect((err as Error).message).toMatch(pattern);
  });
});

// Runs in a child (CommonJS via `node -e`): random calls to every conv-family function, with
// every buffer a slice of one guarded arena, so an out-of-bounds store fails the run.
const CHILD = String.raw`
const addon = require(process.argv[process.argv.length - 1]);
const ARITY = JSON.parse(process.argv[process.argv.length - 2]);
let state = 987654321;
const rnd = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
const SLOT = 64, SLOTS = 24, GUARD = 7;
const arena = new Float32Array(SLOT * SLOTS).fill(GUARD);
let used = [];
const buf = () => { const k = used.length % SLOTS, n = Math.floor(rnd() * 48), o = k * SLOT + 8; used.push([o, o + n]); return arena.subarray(o, o + n); };
const detached = () => { const a = new Float32Array(8); structuredClone(a, { transfer: [a.buffer] }); return a; };
const odd = () => pick([null, undefined, -1, 2.5, NaN, Infinity, 2 ** 31, 2 ** 31 + 1, 2 ** 53, 2 ** 62, 1n, -1n, 2n ** 64n, 'x', {}, [],
  new Float64Array(8), detached(), new Float32Array(0), true, Symbol('s')]);
const names = Object.keys(ARITY);
let calls = 0, threw = 0, ok = 0;
for (let iter = 0; iter < 30000; iter++) {
  const name = names[iter % names.length], args = [];
  const n = ARITY[name] + (rnd() < 0.05 ? -1 : 0);
  for (let i = 0; i < n; i++) {
    const r = rnd();
    if (i === 0) args.push(r < 0.95 ? Math.floor(rnd() * addon.backendInfo().backends.length) : odd());
    else if (r < 0.5) args.push(Math.floor(rnd() * 4));
    else if (r < 0.9) args.push(buf());
    else args.push(odd());
  }
  calls++;
  try { addon[name](...args); ok++; } catch (e) { threw++; if (!(e instanceof Error)) throw new Error('non-Error thrown'); }
  const inside = new Uint8Array(arena.length);
  for (const [b, e] of used) inside.fill(1, b, e);
  for (let i = 0; i < arena.length; i++)
    if (!inside[i] && arena[i] !== GUARD) throw new Error(name + ' wrote outside its buffers at ' + i + ': ' + args.map(String).join(', '));
  arena.fill(GUARD);
  used = [];
}
process.stdout.write(JSON.stringify({ calls, threw, ok }));
`;

describe('hostile input in a child process', () => {
  it('survives tens of thousands of malformed conv-family calls, with no store outside the buffers', () => {
    const arity = Object.fromEntries(Object.entries(RAW).map(([op, spec]) => [op, spec.good().length]));
    const addonPath = fileURLToPath(new URL('../../build/Release/kerno.node', import.meta.url));
    const r = spawnSync(process.execPath, ['-e', CHILD, JSON.stringify(arity), addonPath], { encoding: 'utf8', timeout: 120_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { calls: number; threw: number; ok: number };
    expect(summary.calls).toBe(30000);
    expect(summary.threw).toBeGreaterThan(1000);
    // Random geometry rarely fits, but some calls must run for the guards to mean anything.
    expect(summary.ok).toBeGreaterThan(30);
  });
});
