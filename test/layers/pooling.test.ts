import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPooling2D } from '../../src/layers/index.js';
import { Runner, checkGradients, expectClose, expectThrows, rand } from './harness.js';
import { poolRef } from './reference.js';

/** Distinct values (a shuffled ramp) so max pooling has no ties and finite differences are clean. */
function distinct(n: number, seed: number): Float32Array {
  const r = rand(n, seed), idx = Array.from(r.keys()).sort((a, b) => r[a] - r[b]);
  const out = new Float32Array(n);
  idx.forEach((j, rank) => (out[j] = (rank - n / 2) * 0.05));
  return out;
}

describe('MaxPooling2D / AveragePooling2D', () => {
  it('use Keras defaults: pool 2 (MaxPooling2D), strides = poolSize, valid', () => {
    const m = new MaxPooling2D();
    expect(m.build([28, 28, 32])).toEqual([14, 14, 32]);
    expect(m.getConfig()).toMatchObject({ poolSize: [2, 2], strides: [2, 2], padding: 'valid' });
    expect(new MaxPooling2D({ poolSize: 3 }).computeOutputShape([7, 8, 1])).toEqual([2, 2, 1]);
    expect(new MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' }).computeOutputShape([7, 6, 2])).toEqual([4, 3, 2]);
    expect(new AveragePooling2D({ poolSize: [2, 3] }).computeOutputShape([4, 9, 1])).toEqual([2, 3, 1]);
    expect(m.countParams()).toBe(0);
    expect(m.name).toMatch(/^max_pooling2d(_\d+)?$/);
  });

  const cases = [
    ['2x2 valid', { poolSize: 2 }, 2, 'valid'],
    ['3x3 stride 2 same', { poolSize: 3, strides: 2, padding: 'same' }, 2, 'same'],
    ['3x2 stride 1 valid', { poolSize: [3, 2], strides: 1 }, 1, 'valid'],
  ] as const;
  for (const [label, opts, s, padding] of cases) {
    for (const kind of ['max', 'avg'] as const) {
      it(`${kind} ${label}: forward matches float64; gradients match finite differences`, () => {
        const shape = [7, 6, 2], B = 2;
        const layer = kind === 'max' ? new MaxPooling2D(opts) : new AveragePooling2D(opts);
        const run = new Runner(layer, shape, B);
        const x = distinct(run.inp.length, 3);
        const ps = typeof opts.poolSize === 'number' ? [opts.poolSize, opts.poolSize] : opts.poolSize;
        const want = poolRef(kind, x, { B, H: 7, W: 6, C: 2, KH: ps[0], KW: ps[1], sh: s, sw: s, dh: 1, dw: 1, padding });
        expectClose(run.forward(x), want, 1e-6, 1e-6, label);
        checkGradients(kind === 'max' ? new MaxPooling2D(opts) : new AveragePooling2D(opts), shape, { batch: B, x, h: 1e-3 });
      });
    }
  }

  it('AveragePooling2D requires poolSize, as Keras 3', () => {
    expectThrows(() => new AveragePooling2D({} as never), ValueError, 'AveragePooling2D', 'option "poolSize"');
    expectThrows(() => new MaxPooling2D({ poolSize: 0, name: 'mp' }), ValueError, 'MaxPooling2D "mp": option "poolSize" expected a positive integer, received 0.');
    expectThrows(() => new MaxPooling2D({ padding: 'full' as never }), ValueError, 'option "padding"');
    expectThrows(() => new MaxPooling2D({ name: 'mp2' }).build([4, 4]), ShapeError, 'MaxPooling2D "mp2" expected input of rank 3');
    expectThrows(() => new MaxPooling2D({ poolSize: 5 }).build([4, 4, 1]), ShapeError, 'height');
  });
});

describe('GlobalAveragePooling2D / GlobalMaxPooling2D', () => {
  it('reduce height and width; keepdims keeps them as 1', () => {
    expect(new GlobalAveragePooling2D().build([3, 4, 5])).toEqual([5]);
    expect(new GlobalMaxPooling2D({ keepdims: true }).build([3, 4, 5])).toEqual([1, 1, 5]);
    expectThrows(() => new GlobalMaxPooling2D().build([12]), ShapeError, 'expected input of rank 3');
    expectThrows(() => new GlobalMaxPooling2D({ keepdims: 'yes' as never }), ValueError, 'option "keepdims" expected a boolean');
  });

  for (const kind of ['avg', 'max'] as const) {
    it(`${kind}: forward matches float64; gradients match finite differences`, () => {
      const B = 2, shape = [3, 4, 2];
      const make = () => (kind === 'avg' ? new GlobalAveragePooling2D() : new GlobalMaxPooling2D());
      const run = new Runner(make(), shape, B);
      const x = distinct(run.inp.length, 5);
      const want = poolRef(kind, x, { B, H: 3, W: 4, C: 2, KH: 3, KW: 4, sh: 1, sw: 1, dh: 1, dw: 1, padding: 'valid' });
      expectClose(run.forward(x), want, 1e-6, 1e-6, kind);
      checkGradients(make(), shape, { batch: B, x, h: 1e-3 });
    });
  }
});
