/**
 * ImageDataGenerator: standardize and fit against Keras, the random transformation draws
 * (ranges and frequencies, reproducible with a seed), flow over arrays, and option errors.
 */
import { describe, expect, it, vi } from 'vitest';
import { ShapeError, ValueError } from '../../../src/errors.js';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import { Tensor } from '../../../src/tensor.js';
import { golden, maxAbsDiff } from './golden.js';

const xs = new Tensor(Float32Array.from(golden.standardizeInput.xs), golden.standardizeInput.shape);
const x0 = xs.slice(0, 1).reshape(golden.standardizeInput.shape.slice(1));

function camelArgs(a: Record<string, number | boolean>): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(a)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

describe('standardize and fit match Keras', () => {
  for (const c of golden.standardize) {
    it(c.name, () => {
      const args = camelArgs(c.args);
      const pf = c.name.includes('preprocessing') || c.name === 'everything'
        ? (x: Tensor): Tensor => new Tensor(Float32Array.from(x.data, (v) => v * 2 + 1), x.shape) : undefined;
      const g = new ImageDataGenerator({ ...args, preprocessingFunction: pf });
      if (c.fit) g.fit(xs);
      if (c.mean) expect(maxAbsDiff(g.mean!, c.mean)).toBeLessThan(1e-5);
      if (c.std) expect(maxAbsDiff(g.std!, c.std)).toBeLessThan(1e-5);
      const out = g.standardize(x0);
      expect(out.shape).toEqual(x0.shape);
      expect(maxAbsDiff(out.data, c.data)).toBeLessThan(1e-4);
      expect(Array.from(x0.data)).toEqual(Array.from(xs.data.subarray(0, x0.size))); // input untouched
    });
  }

  it('warns once when feature-wise options are used before fit', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const g = new ImageDataGenerator({ featurewiseCenter: true });
    g.standardize(x0);
    g.standardize(x0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/featurewiseCenter.*\.fit\(x\)/);
    vi.restoreAllMocks();
  });

  it('rejects a preprocessingFunction that changes the shape', () => {
    const g = new ImageDataGenerator({ preprocessingFunction: (x) => x.reshape([-1]) });
    expect(() => g.standardize(x0)).toThrow(ShapeError);
    expect(() => g.standardize(x0)).toThrow(/preprocessingFunction's result expected shape \[4, 5, 3\]/);
  });
});

describe('random transformations', () => {
  const draws = (g: ImageDataGenerator, n: number, shape = [40, 20, 3]) =>
    Array.from({ length: n }, (_, i) => g.getRandomTransform(shape, i));

  it('draw within Keras ranges: shifts below 1 are fractions of the size, zoom z is [1−z, 1+z]', () => {
    const g = new ImageDataGenerator({ rotationRange: 30, widthShiftRange: 0.1, heightShiftRange: 0.2, shearRange: 5, zoomRange: 0.25, channelShiftRange: 10, brightnessRange: [0.5, 1.5] });
    const p = draws(g, 2000);
    const within = (k: 'theta' | 'tx' | 'ty' | 'shear' | 'zx' | 'zy' | 'channelShiftIntensity' | 'brightness', lo: number, hi: number) => {
      const v = p.map((q) => q[k] as number);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...v)).toBeLessThan(hi);
      // uniform: the mean is the midpoint within 5% of the width (2000 draws: std of mean ≈ 0.6%)
      expect(Math.abs(v.reduce((s, t) => s + t, 0) / v.length - (lo + hi) / 2)).toBeLessThan(0.05 * (hi - lo));
      expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(0.95 * (hi - lo));
    };
    within('theta', -30, 30);
    within('tx', -0.2 * 40, 0.2 * 40); // heightShiftRange × height
    within('ty', -0.1 * 20, 0.1 * 20); // widthShiftRange × width
    within('shear', -5, 5);
    within('zx', 0.75, 1.25);
    within('zy', 0.75, 1.25);
    within('channelShiftIntensity', -10, 10);
    within('brightness', 0.5, 1.5);
    expect(p.every((q) => !q.flipHorizontal && !q.flipVertical)).toBe(true);
  });

  it('shift ranges of 1 or more are pixels; arrays pick a value with a random sign', () => {
    const px = draws(new ImageDataGenerator({ widthShiftRange: 3 }), 500).map((q) => q.ty!);
    expect(Math.max(...px.map(Math.abs))).toBeLessThan(3);
    expect(Math.max(...px.map(Math.abs))).toBeGreaterThan(2.9);
    const arr = draws(new ImageDataGenerator({ heightShiftRange: [0, 2, 5] }), 500).map((q) => q.tx!);
    expect(new Set(arr)).toEqual(new Set([0, 2, -2, 5, -5]));
  });

  it('flips happen with probability 0.5, and nothing is drawn for disabled options', () => {
    const p = draws(new ImageDataGenerator({ horizontalFlip: true, verticalFlip: true }), 2000);
    const h = p.filter((q) => q.flipHorizontal).length, v = p.filter((q) => q.flipVertical).length;
    expect(Math.abs(h - 1000)).toBeLessThan(120); // 5.4 σ
    expect(Math.abs(v - 1000)).toBeLessThan(120);
    expect(p[0]).toMatchObject({ theta: 0, tx: 0, ty: 0, shear: 0, zx: 1, zy: 1, channelShiftIntensity: null, brightness: null });
  });

  it('are reproducible with a seed and differ without one', () => {
    const g = new ImageDataGenerator({ rotationRange: 40, horizontalFlip: true, zoomRange: [0.8, 1.2] });
    expect(g.getRandomTransform([8, 8, 1], 5)).toEqual(g.getRandomTransform([8, 8, 1], 5));
    expect(g.getRandomTransform([8, 8, 1])).not.toEqual(g.getRandomTransform([8, 8, 1]));
    const img = new Tensor(Float32Array.from({ length: 64 }, (_, i) => i), [8, 8, 1]);
    expect(Array.from(g.randomTransform(img, 3).data)).toEqual(Array.from(g.randomTransform(img, 3).data));
    const seeded = new ImageDataGenerator({ rotationRange: 40, seed: 11 }), again = new ImageDataGenerator({ rotationRange: 40, seed: 11 });
    expect(seeded.getRandomTransform([8, 8, 1])).toEqual(again.getRandomTransform([8, 8, 1]));
  });

  it('a horizontal flip draw applies the mirror image', () => {
    const g = new ImageDataGenerator({ horizontalFlip: true });
    const img = new Tensor(Float32Array.from({ length: 12 }, (_, i) => i), [2, 6, 1]);
    for (let s = 0; s < 10; s++) {
      const p = g.getRandomTransform([2, 6, 1], s);
      const out = Array.from(g.randomTransform(img, s).data);
      expect(out).toEqual(p.flipHorizontal ? [5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 7, 6] : Array.from(img.data));
    }
  });
});

describe('flow over arrays', () => {
  const n = 10;
  const x = new Tensor(Float32Array.from({ length: n * 2 * 2 }, (_, i) => Math.floor(i / 4)), [n, 2, 2, 1]); // image i is all i
  const y = new Tensor(Int32Array.from({ length: n }, (_, i) => i % 2), [n]);

  it('batches x with y and sample weights gathered in the same order, a new order per epoch', async () => {
    const w = Float32Array.from({ length: n }, (_, i) => i / 10);
    const iter = new ImageDataGenerator({ rescale: 2 }).flow(x, y, { batchSize: 4, seed: 3, sampleWeight: w });
    expect(iter.length).toBe(3);
    const epochs: number[][] = [];
    for (let e = 0; e < 2; e++) {
      const ids: number[] = [];
      for await (const b of iter) {
        for (let r = 0; r < b.x.shape[0]; r++) {
          const id = b.x.data[r * 4] / 2;
          ids.push(id);
          expect(b.y!.data[r]).toBe(id % 2);
          expect(b.sampleWeight![r]).toBeCloseTo(id / 10, 6);
        }
      }
      epochs.push(ids);
    }
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochs[0]).not.toEqual(epochs[1]);
  });

  it("subsets: the first floor(v·N) are 'validation', and both must hold the same labels", async () => {
    const g = new ImageDataGenerator({ validationSplit: 0.3 });
    const val = g.flow(x, y, { subset: 'validation', shuffle: false });
    const tr = g.flow(x, y, { subset: 'training', shuffle: false });
    expect([val.n, tr.n]).toEqual([3, 7]);
    expect(Array.from((await val.getBatch(0)).x.data.filter((_, i) => i % 4 === 0))).toEqual([0, 1, 2]);
    const sorted = new Tensor(Int32Array.from([0, 0, 0, 1, 1, 1, 1, 1, 1, 1]), [n]);
    expect(() => g.flow(x, sorted, { subset: 'training' })).toThrow(/same label values/);
    expect(g.flow(x, sorted, { subset: 'training', ignoreClassSplit: true }).n).toBe(7);
    expect((await g.flow(x, null, { batchSize: 10 }).getBatch(0)).y).toBeNull();
  });

  it('rejects bad shapes', () => {
    const g = new ImageDataGenerator();
    expect(() => g.flow(new Tensor(new Float32Array(8), [2, 4]), null)).toThrow(/images of rank 4/);
    expect(() => g.flow(x, new Tensor(new Float32Array(3), [3]))).toThrow(/10 labels/);
    expect(() => g.fit(new Tensor(new Float32Array(8), [2, 4]))).toThrow(ShapeError);
  });
});

describe('option errors', () => {
  it('name the option, what was expected and what was received', () => {
    expect(() => new ImageDataGenerator({ validationSplit: 1 })).toThrow(
      'ImageDataGenerator: option "validationSplit" expected a number in [0, 1) (0 for no split), received 1.');
    expect(() => new ImageDataGenerator({ fillMode: 'mirror' as never })).toThrow(
      `ImageDataGenerator: option "fillMode" expected one of 'nearest', 'constant', 'reflect', 'wrap', received "mirror".`);
    expect(() => new ImageDataGenerator({ zoomRange: [1] as never })).toThrow(/zoomRange" expected an array of two finite numbers/);
    expect(() => new ImageDataGenerator({ brightnessRange: 0.5 as never })).toThrow(/brightnessRange/);
    expect(() => new ImageDataGenerator({ rotationRange: -1 })).toThrow(/rotationRange" expected a finite number ≥ 0/);
    expect(() => new ImageDataGenerator({ widthShiftRange: [] })).toThrow(/widthShiftRange/);
    expect(() => new ImageDataGenerator({ rotation_range: 10 } as never)).toThrow(ValueError);
    expect(() => new ImageDataGenerator({ featurewiseStdNormalization: true }).fit(xs, { rounds: 0 })).toThrow(/rounds/);
    expect(new ImageDataGenerator({ featurewiseStdNormalization: true }).featurewiseCenter).toBe(true);
  });
});
