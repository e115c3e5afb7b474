// Every bad input to the TypeScript wrappers throws a typed error (ValueError / ShapeError) in
// the one message format, before native code runs, and the process carries on.
import { describe, expect, it } from 'vitest';
import { KernoError, NativeError, ShapeError, ValueError } from '../../src/errors.js';
import * as native from '../../src/native.js';

const f = (n: number) => new Float32Array(n);
type Opts = Record<string, unknown>;

interface Op {
  call: (o: Opts) => unknown;
  good: () => Opts;
  /** Buffers that must be Float32Arrays, and whether null is allowed. */
  buffers: [name: string, nullable: boolean, shortens: boolean][];
  sizes: string[];
  kinds: string[];
}

const OPS: Record<string, Op> = {
  gemm: {
    call: (o) => native.gemm(o as never),
    good: () => ({ a: f(6), b: f(6), c: f(4), m: 2, n: 2, k: 3 }),
    buffers: [['a', false, true], ['b', false, true], ['c', false, true]],
    sizes: ['m', 'n', 'k', 'lda', 'ldb', 'ldc'],
    kinds: [],
  },
  denseForward: {
    call: (o) => native.denseForward(o as never),
    good: () => ({ inp: f(6), kernel: f(12), bias: f(4), out: f(8), batch: 2, inputs: 3, units: 4 }),
    buffers: [['inp', false, true], ['kernel', false, true], ['bias', true, true], ['out', false, true]],
    sizes: ['batch', 'inputs', 'units'],
    kinds: [],
  },
  denseBackward: {
    call: (o) => native.denseBackward(o as never),
    good: () => ({ dout: f(8), inp: f(6), kernel: f(12), dinp: f(6), dkernel: f(12), dbias: f(4), batch: 2, inputs: 3, units: 4 }),
    buffers: [['dout', false, true], ['inp', false, true], ['kernel', false, true], ['dinp', true, true],
      ['dkernel', true, true], ['dbias', true, true]],
    sizes: ['batch', 'inputs', 'units'],
    kinds: [],
  },
  activationForward: {
    call: (o) => native.activationForward(o.kind as never, o.inp as never, o.out as never, o as never),
    good: () => ({ kind: 'relu', inp: f(5), out: f(5) }),
    buffers: [['inp', false, false], ['out', false, true]],
    sizes: [],
    kinds: ['kind'],
  },
  activationBackward: {
    call: (o) => native.activationBackward(o.kind as never, o as never),
    good: () => ({ kind: 'tanh', dout: f(5), inp: f(5), out: f(5), dinp: f(5) }),
    buffers: [['dout', false, true], ['inp', false, false], ['out', false, true], ['dinp', false, true]],
    sizes: [],
    kinds: ['kind'],
  },
  softmaxForward: {
    call: (o) => native.softmaxForward(o as never),
    good: () => ({ inp: f(6), out: f(6), rows: 2, cols: 3 }),
    buffers: [['inp', false, true], ['out', false, true]],
    sizes: ['rows', 'cols'],
    kinds: [],
  },
  softmaxBackward: {
    call: (o) => native.softmaxBackward(o as never),
    good: () => ({ dout: f(6), out: f(6), dinp: f(6), rows: 2, cols: 3 }),
    buffers: [['dout', false, true], ['out', false, true], ['dinp', false, true]],
    sizes: ['rows', 'cols'],
    kinds: [],
  },
  lossForward: {
    call: (o) => native.lossForward(o.kind as never, o as never),
    good: () => ({ kind: 'meanSquaredError', pred: f(6), target: f(6), loss: f(2), batch: 2, classes: 3 }),
    buffers: [['pred', false, true], ['target', false, true], ['loss', false, true]],
    sizes: ['batch', 'classes'],
    kinds: ['kind'],
  },
  lossBackward: {
    call: (o) => native.lossBackward(o.kind as never, o as never),
    good: () => ({ kind: 'sparseSoftmaxCrossentropy', pred: f(6), target: new Float32Array([0, 2]), weight: f(2), dpred: f(6),
      batch: 2, classes: 3 }),
    buffers: [['pred', false, true], ['target', false, true], ['weight', true, true], ['dpred', false, true]],
    sizes: ['batch', 'classes'],
    kinds: ['kind'],
  },
  optimizerUpdate: {
    call: (o) => native.optimizerUpdate(o.kind as never, o as never),
    good: () => ({ kind: 'adam', param: f(4), grad: f(4), slots: [f(4), f(4)], learningRate: 0.1, step: 1 }),
    buffers: [['param', false, false], ['grad', false, true]],
    sizes: ['step'],
    kinds: ['kind'],
  },
  sumSquares: {
    call: (o) => native.sumSquares(o.x as never, o as never),
    good: () => ({ x: f(3) }),
    buffers: [['x', false, false]],
    sizes: [],
    kinds: [],
  },
  scale: {
    call: (o) => native.scale(o.x as never, o.s as never, o as never),
    good: () => ({ x: f(3), s: 2 }),
    buffers: [['x', false, false]],
    sizes: [],
    kinds: [],
  },
  clipByValue: {
    call: (o) => native.clipByValue(o.x as never, o.v as never, o as never),
    good: () => ({ x: f(3), v: 2 }),
    buffers: [['x', false, false]],
    sizes: [],
    kinds: [],
  },
  rngFill: {
    call: (o) => native.rngFill(o.out as never, o as never),
    good: () => ({ out: f(3), distribution: 'normal', seed: 1 }),
    buffers: [['out', false, false]],
    sizes: [],
    kinds: ['distribution'],
  },
};

function detached(n: number): Float32Array {
  const a = f(n);
  structuredClone(a, { transfer: [a.buffer] });
  return a;
}

/** Asserts that call throws `type` with a message in the kerno format naming the argument. */
function expectTyped(call: () => unknown, type: typeof ValueError | typeof ShapeError, op: string, name: string): void {
  let err: unknown;
  try {
    call();
  } catch (e) {
    err = e;
  }
  expect(err, `${op} "${name}" did not throw`).toBeInstanceOf(type);
  expect(err).toBeInstanceOf(KernoError);
  const msg = (err as Error).message;
  expect(msg.startsWith(`${op}: argument "${name}" expected `), msg).toBe(true);
  expect(msg).toMatch(/, received .+\.( .*)?$/);
}

describe.each(Object.entries(OPS))('%s wrapper', (op, spec) => {
  it('accepts the good arguments (the baseline every case below breaks once)', () => {
    expect(() => spec.call(spec.good())).not.toThrow();
  });

  it.each(spec.buffers)('rejects a bad "%s"', (name, nullable, shortens) => {
    const bad: unknown[] = [3, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13], new Float64Array(16), 'x', {}];
    if (!nullable) bad.push(null);
    for (const v of bad) expectTyped(() => spec.call({ ...spec.good(), [name]: v }), ValueError, op, name);
    const good = spec.good()[name] as Float32Array;
    expectTyped(() => spec.call({ ...spec.good(), [name]: detached(good.length) }), ValueError, op, name);
    if (shortens) expectTyped(() => spec.call({ ...spec.good(), [name]: f(good.length - 1) }), ShapeError, op, name);
  });

  it.each(spec.sizes.map((s) => [s]))('rejects a bad size "%s"', (name) => {
    for (const v of [-1, 1.5, NaN, Infinity, '2', 2 ** 53]) {
      expectTyped(() => spec.call({ ...spec.good(), [name]: v }), ValueError, op, name);
    }
  });

  it.each(spec.kinds.map((k) => [k]))('rejects an unknown "%s"', (name) => {
    for (const v of ['bogus', 'toString', 3, undefined]) expectTyped(() => spec.call({ ...spec.good(), [name]: v }), ValueError, op, name);
  });

  it('rejects an unknown backend', () => {
    for (const v of [99, -1, 0.5, 'gpu', 'toString']) expectTyped(() => spec.call({ ...spec.good(), backend: v }), ValueError, op, 'backend');
  });

  it('still works after all that', () => {
    expect(() => spec.call(spec.good())).not.toThrow();
  });
});

describe('domain checks of the wrappers', () => {
  it('gemm: leading dimensions below the row length', () => {
    expectTyped(() => native.gemm({ a: f(6), b: f(6), m: 2, n: 2, k: 3, lda: 2 }), ValueError, 'gemm', 'lda');
    expectTyped(() => native.gemm({ a: f(6), b: f(6), m: 2, n: 2, k: 3, transB: true, ldb: 2 }), ValueError, 'gemm', 'ldb');
    expectTyped(() => native.gemm({ a: f(6), b: f(6), m: 2, n: 2, k: 3, alpha: NaN }), ValueError, 'gemm', 'alpha');
    expectTyped(() => native.gemm({ a: f(6), b: f(6), m: 2, n: 2, k: 3, transA: 1 as never }), ValueError, 'gemm', 'transA');
  });

  it('losses: sparse labels, label smoothing', () => {
    const base = { pred: f(6), batch: 2, classes: 3 };
    for (const t of [[0, 3], [-1, 0], [0.5, 1], [NaN, 0]]) {
      expectTyped(() => native.lossForward('sparseCategoricalCrossentropy', { ...base, target: Float32Array.from(t) }), ValueError,
        'lossForward', 'target');
    }
    expectTyped(() => native.lossForward('categoricalCrossentropy', { ...base, target: f(6), labelSmoothing: 1.5 }), ValueError,
      'lossForward', 'labelSmoothing');
    expectTyped(() => native.lossForward('meanSquaredError', { ...base, target: f(6), labelSmoothing: 0.1 }), ValueError,
      'lossForward', 'labelSmoothing');
    expectTyped(() => native.lossBackward('sparseSoftmaxCrossentropy', { ...base, target: f(2), labelSmoothing: 0.1 }), ValueError,
      'lossBackward', 'labelSmoothing');
  });

  it('optimizers: missing slots, step, hyper-parameters', () => {
    const base = { param: f(4), grad: f(4), learningRate: 0.1, step: 1 };
    expectTyped(() => native.optimizerUpdate('adam', { ...base, slots: [f(4)] }), ValueError, 'optimizerUpdate', 'slots[1]');
    expectTyped(() => native.optimizerUpdate('adam', { ...base, slots: [f(4), f(4)], amsgrad: true }), ValueError, 'optimizerUpdate', 'slots[2]');
    expectTyped(() => native.optimizerUpdate('sgd', { ...base, momentum: 0.9 }), ValueError, 'optimizerUpdate', 'slots[0]');
    expectTyped(() => native.optimizerUpdate('adagrad', { ...base, slots: [f(3)] }), ShapeError, 'optimizerUpdate', 'slots[0]');
    expectTyped(() => native.optimizerUpdate('sgd', { ...base, step: 0 }), ValueError, 'optimizerUpdate', 'step');
    expectTyped(() => native.optimizerUpdate('sgd', { ...base, momentum: 1.5 }), ValueError, 'optimizerUpdate', 'momentum');
    expectTyped(() => native.optimizerUpdate('sgd', { ...base, learningRate: NaN }), ValueError, 'optimizerUpdate', 'learningRate');
    expectTyped(() => native.optimizerUpdate('sgd', { ...base, slots: 'x' as never }), ValueError, 'optimizerUpdate', 'slots');
  });

  it('rngFill: seeds, ranges', () => {
    const out = f(3);
    for (const seed of [-1, 1.5, 2 ** 53, -1n, 2n ** 64n, '1']) {
      expectTyped(() => native.rngFill(out, { distribution: 'uniform', seed: seed as never }), ValueError, 'rngFill', 'seed');
    }
    expectTyped(() => native.rngFill(out, { distribution: 'uniform', seed: 1, minval: 2, maxval: 1 }), ValueError, 'rngFill', 'maxval');
    expectTyped(() => native.rngFill(out, { distribution: 'normal', seed: 1, stddev: -1 }), ValueError, 'rngFill', 'stddev');
    expectTyped(() => native.rngFill(out, { distribution: 'normal', seed: 1, offset: -3 }), ValueError, 'rngFill', 'offset');
  });

  it('activations and utilities: parameters', () => {
    expectTyped(() => native.activationForward('elu', f(2), undefined, { alpha: NaN }), ValueError, 'activationForward', 'alpha');
    expectTyped(() => native.activationForward('gelu', f(2), undefined, { approximate: 'yes' as never }), ValueError,
      'activationForward', 'approximate');
    expectTyped(() => native.clipByValue(f(2), -1), ValueError, 'clipByValue', 'v');
    expectTyped(() => native.scale(f(2), Infinity), ValueError, 'scale', 's');
  });

  it('maps a kernel failure to NativeError with the status code', () => {
    // The wrappers check every domain the kernels check, so no wrapper call reaches a kernel
    // failure here; take a genuine one from the raw addon (lda < K) and convert it as they do.
    let raw: unknown;
    try {
      native.loadAddon().gemm(0, f(4), f(6), f(6), 0, 0, 2, 2, 3, 1, 2, 2, 1, 0);
    } catch (e) {
      raw = e;
    }
    expect(raw).toMatchObject({ code: 'KERNO_ERR_INVALID_ARGUMENT', status: 'invalid argument' });
    let converted: unknown;
    try {
      native.rethrowNative(raw);
    } catch (e) {
      converted = e;
    }
    expect(converted).toBeInstanceOf(NativeError);
    expect(converted).toMatchObject({ code: 'KERNO_ERR_INVALID_ARGUMENT', status: 'invalid argument' });
    expect((converted as Error).message).toBe((raw as Error).message);
    // Errors that are not kernel statuses pass through unchanged.
    const other = new TypeError('x');
    expect(() => native.rethrowNative(other)).toThrow(other);
  });
});
