// The raw addon, bypassing every TypeScript check: each argument that could make native code
// leave its buffers throws a TypeError/RangeError naming it; kernel refusals come back as an
// Error with `code`; the process carries on.
import { describe, expect, it } from 'vitest';
import { addon } from './helpers.js';

const f = (n: number) => new Float32Array(n);

interface RawOp {
  /** Good positional arguments (backend 0 first). */
  good: () => unknown[];
  /** [position, name, nullable, can be shortened] for each buffer. */
  buffers: [number, string, boolean, boolean][];
  /** [position, name] of each size. */
  sizes: [number, string][];
}

const RAW: Record<string, RawOp> = {
  gemm: {
    good: () => [0, f(4), f(6), f(6), 0, 0, 2, 2, 3, 3, 2, 2, 1, 0],
    buffers: [[1, 'C', false, true], [2, 'A', false, true], [3, 'B', false, true]],
    sizes: [[6, 'M'], [7, 'N'], [8, 'K'], [9, 'lda'], [10, 'ldb'], [11, 'ldc']],
  },
  denseForward: {
    good: () => [0, f(8), f(6), f(12), f(4), 2, 3, 4],
    buffers: [[1, 'out', false, true], [2, 'inp', false, true], [3, 'kernel', false, true], [4, 'bias', true, true]],
    sizes: [[5, 'B'], [6, 'I'], [7, 'U']],
  },
  denseBackward: {
    good: () => [0, f(6), f(12), f(4), f(8), f(6), f(12), 2, 3, 4],
    buffers: [[1, 'dinp', true, true], [2, 'dkernel', true, true], [3, 'dbias', true, true], [4, 'dout', false, true],
      [5, 'inp', false, true], [6, 'kernel', false, true]],
    sizes: [[7, 'B'], [8, 'I'], [9, 'U']],
  },
  activationForward: {
    good: () => [0, f(5), f(5), 1, 0],
    buffers: [[1, 'out', false, true], [2, 'inp', false, false]],
    sizes: [],
  },
  activationBackward: {
    good: () => [0, f(5), f(5), f(5), f(5), 2, 0],
    buffers: [[1, 'dinp', false, true], [2, 'dout', false, true], [3, 'inp', false, false], [4, 'out', false, true]],
    sizes: [],
  },
  softmaxForward: {
    good: () => [0, f(6), f(6), 2, 3],
    buffers: [[1, 'out', false, true], [2, 'inp', false, true]],
    sizes: [[3, 'R'], [4, 'C']],
  },
  softmaxBackward: {
    good: () => [0, f(6), f(6), f(6), 2, 3],
    buffers: [[1, 'dinp', false, true], [2, 'dout', false, true], [3, 'out', false, true]],
    sizes: [[4, 'R'], [5, 'C']],
  },
  lossForward: {
    good: () => [0, f(2), f(6), f(6), 2, 3, 6, 0],
    buffers: [[1, 'loss', false, true], [2, 'pred', false, true], [3, 'target', false, true]],
    sizes: [[4, 'B'], [5, 'C']],
  },
  lossBackward: {
    good: () => [0, f(6), f(6), new Float32Array([2, 0]), f(2), 2, 3, 3, 0],
    buffers: [[1, 'dpred', false, true], [2, 'pred', false, true], [3, 'target', false, true], [4, 'weight', true, true]],
    sizes: [[5, 'B'], [6, 'C']],
  },
  optimizerUpdate: {
    good: () => [0, f(4), f(4), f(4), f(4), f(4), 3, 0.1, 0, 0, 0, 0.9, 0, 0.9, 0.999, 1, 1e-7, 1],
    buffers: [[1, 'param', false, false], [2, 'grad', false, true], [3, 'slot0', false, true], [4, 'slot1', false, true],
      [5, 'slot2', false, true]],
    sizes: [[17, 'step']],
  },
  sumSquares: { good: () => [0, f(3)], buffers: [[1, 'x', false, false]], sizes: [] },
  scale: { good: () => [0, f(3), 2], buffers: [[1, 'x', false, false]], sizes: [] },
  clipByValue: { good: () => [0, f(3), 2], buffers: [[1, 'x', false, false]], sizes: [] },
  rngFill: { good: () => [0, f(3), 1, 0, 1, 7n, 0], buffers: [[1, 'out', false, false]], sizes: [] },
};

type Fn = (...args: unknown[]) => unknown;
const call = (op: string, args: unknown[]) => (addon as unknown as Record<string, Fn>)[op](...args);

function with_(args: unknown[], pos: number, v: unknown): unknown[] {
  const a = args.slice();
  a[pos] = v;
  return a;
}

function detached(n: number): Float32Array {
  const a = f(n);
  structuredClone(a, { transfer: [a.buffer] });
  return a;
}

function expectThrow(fn: () => unknown, type: ErrorConstructor, pattern: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${type.name} ${pattern}`).toBeInstanceOf(type);
  expect((err as Error).message).toMatch(pattern);
}

describe.each(Object.entries(RAW))('raw %s', (op, spec) => {
  it('accepts the good arguments', () => {
    expect(() => call(op, spec.good())).not.toThrow();
  });

  it.each(spec.buffers)('protects buffer #%s "%s"', (pos, name, nullable, shortens) => {
    const msg = (what: string) => new RegExp(`^${op}: argument "${name}" expected ${what}, received .+\\.$`);
    const wrong: unknown[] = [3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], new Float64Array(16), new Int32Array(16),
      new DataView(new ArrayBuffer(64)), new ArrayBuffer(64), 'x', {}, Symbol('s')];
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

  it.each(spec.sizes)('checks size #%s "%s"', (pos, name) => {
    for (const v of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      expectThrow(() => call(op, with_(spec.good(), pos, v)), RangeError, new RegExp(`^${op}: argument "${name}" expected`));
    }
    for (const v of ['2', null, undefined, 2n]) {
      expectThrow(() => call(op, with_(spec.good(), pos, v)), TypeError, new RegExp(`^${op}: argument "${name}" expected`));
    }
  });

  it('checks the backend id', () => {
    for (const v of [99, -1, 0.5, NaN]) {
      expectThrow(() => call(op, with_(spec.good(), 0, v)), RangeError, new RegExp(`^${op}: argument "backend" expected a backend index in \\[0, \\d+\\)`));
    }
    for (const v of ['reference', null, undefined]) expectThrow(() => call(op, with_(spec.good(), 0, v)), TypeError, /argument "backend"/);
  });

  it('survives being called with no arguments at all', () => {
    expect(() => call(op, [])).toThrow(TypeError);
  });
});

describe('raw domain checks that protect memory', () => {
  it('rejects sizes whose products overflow instead of wrapping around', () => {
    const big = 2 ** 52;
    expectThrow(() => addon.denseForward(0, f(8), f(6), f(12), null, big, 0, big), RangeError, /"out" expected a Float32Array of at least \d+ elements/);
    expectThrow(() => addon.gemm(0, f(4), f(6), f(6), 0, 0, 2, 2, 3, big, 2, 2, 1, 0), RangeError, /"A" expected/);
    expectThrow(() => addon.softmaxForward(0, f(6), f(6), big, big), RangeError, /"out" expected/);
  });

  it('checks gemm spans with leading dimensions and transposes', () => {
    // op(A) = Aᵀ with A stored (K=3, M=2), lda = 4: A must hold (3−1)·4 + 2 = 10 elements.
    expectThrow(() => addon.gemm(0, f(4), f(9), f(6), 1, 0, 2, 2, 3, 4, 2, 2, 1, 0), RangeError, /"A" expected a Float32Array of at least 10 elements/);
    expect(() => addon.gemm(0, f(4), f(10), f(6), 1, 0, 2, 2, 3, 4, 2, 2, 1, 0)).not.toThrow();
    // C (2,2) with ldc = 5 needs 5 + 2 = 7.
    expectThrow(() => addon.gemm(0, f(6), f(6), f(6), 0, 0, 2, 2, 3, 3, 2, 5, 1, 0), RangeError, /"C" expected a Float32Array of at least 7 elements/);
  });

  it('sparse targets must index a column: out-of-range and NaN labels are refused', () => {
    for (const kind of [2, 3]) {
      for (const t of [[0, 3], [-1, 0], [0.5, 1], [NaN, 0], [Infinity, 0], [1e30, 0]]) {
        expectThrow(() => addon.lossForward(0, f(2), f(6), Float32Array.from(t), 2, 3, kind, 0), RangeError, /"target" expected class indices/);
        expectThrow(() => addon.lossBackward(0, f(6), f(6), Float32Array.from(t), null, 2, 3, kind, 0), RangeError, /"target" expected class indices/);
      }
    }
  });

  it('loss and optimizer kinds decide buffer sizes, so unknown ones are refused', () => {
    expectThrow(() => addon.lossForward(0, f(2), f(6), f(6), 2, 3, 9, 0), RangeError, /"kind" expected a loss kind in \[0, 8\]/);
    expectThrow(() => addon.lossForward(0, f(2), f(6), f(6), 2, 3, -1, 0), RangeError, /"kind"/);
    const opt = (kind: number) => [0, f(4), f(4), f(4), f(4), f(4), kind, 0.1, 0, 0, 0, 0.9, 0, 0.9, 0.999, 0, 1e-7, 1] as const;
    expectThrow(() => addon.optimizerUpdate(...opt(6)), RangeError, /"kind" expected an optimizer kind in \[0, 5\]/);
  });

  it('optimizer slots the update uses must be present', () => {
    // Adam with amsgrad uses all three slots.
    expectThrow(() => addon.optimizerUpdate(0, f(4), f(4), f(4), f(4), null, 3, 0.1, 0, 0, 0, 0.9, 0, 0.9, 0.999, 1, 1e-7, 1),
      TypeError, /"slot2" expected a Float32Array/);
    // SGD with momentum uses slot0; without it none.
    expectThrow(() => addon.optimizerUpdate(0, f(4), f(4), null, null, null, 0, 0.1, 0, 0.9, 0, 0.9, 0, 0.9, 0.999, 0, 1e-7, 1),
      TypeError, /"slot0" expected a Float32Array/);
    expect(() => addon.optimizerUpdate(0, f(4), f(4), null, null, null, 0, 0.1, 0, 0, 0, 0.9, 0, 0.9, 0.999, 0, 1e-7, 1)).not.toThrow();
  });

  it('kinds that do not affect memory are refused by the kernels with a status code', () => {
    const invalid = { code: 'KERNO_ERR_INVALID_ARGUMENT', status: 'invalid argument' };
    expect(() => addon.activationForward(0, f(5), f(5), 99, 0)).toThrow(expect.objectContaining(invalid));
    expect(() => addon.activationBackward(0, f(5), f(5), f(5), f(5), -3, 0)).toThrow(expect.objectContaining(invalid));
    expect(() => addon.rngFill(0, f(3), 7, 0, 1, 1, 0)).toThrow(expect.objectContaining(invalid));
    expect(() => addon.gemm(0, f(4), f(6), f(6), 0, 0, 2, 2, 3, 1, 2, 2, 1, 0)).toThrow(expect.objectContaining(invalid));
    expectThrow(() => addon.activationForward(0, f(5), f(5), 2 ** 31, 0), RangeError, /"kind" expected a 32-bit integer/);
  });

  it('RNG seeds must be exact unsigned 64-bit values', () => {
    for (const seed of [-1n, 2n ** 64n, -1, 1.5, 2 ** 53]) {
      expectThrow(() => addon.rngFill(0, f(3), 0, 0, 1, seed, 0), RangeError, /"seed" expected/);
    }
    expectThrow(() => addon.rngFill(0, f(3), 0, 0, 1, '1' as never, 0), TypeError, /"seed" expected a BigInt or a non-negative safe integer/);
    expect(() => addon.rngFill(0, f(3), 0, 0, 1, 2n ** 64n - 1n, 2n ** 64n - 2n)).not.toThrow();
  });

  it('messages describe what was received', () => {
    expectThrow(() => addon.sumSquares(0, new Float64Array(3) as never), TypeError, /received a Float64Array of length 3\.$/);
    expectThrow(() => addon.sumSquares(0, [1, 2] as never), TypeError, /received an array of length 2\.$/);
    expectThrow(() => addon.sumSquares(0, detached(4)), TypeError, /received a detached Float32Array\.$/);
    expectThrow(() => addon.sumSquares(0, 'abc' as never), TypeError, /received "abc"\.$/);
    expectThrow(() => addon.scale(0, f(2), 'x' as never), TypeError, /"s" expected a number, received "x"\.$/);
  });

  it('accepts Float32Arrays that are views into a larger buffer', () => {
    const big = new Float32Array([9, 1, 2, 3, 9]);
    const view = big.subarray(1, 4);
    addon.scale(0, view, 2);
    expect(Array.from(big)).toEqual([9, 2, 4, 6, 9]);
  });
});
