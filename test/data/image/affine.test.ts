/** apply_transform parity with Keras/scipy/PIL for fixed parameters, and the matrix conventions. */
import { describe, expect, it } from 'vitest';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import type { TransformParams } from '../../../src/data/image/affine.js';
import { Tensor } from '../../../src/tensor.js';
import { golden, maxAbsDiff } from './golden.js';

function camel(p: Record<string, number | boolean>): TransformParams {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out as TransformParams;
}

describe('applyTransform matches Keras (scipy order-1 affine_transform, PIL brightness)', () => {
  for (const c of golden.applyTransform) {
    it(`${c.fillMode} cval ${c.cval} ${JSON.stringify(c.params)} on ${c.input}`, () => {
      const src = golden.transformInputs[c.input];
      const x = new Tensor(Float32Array.from(src.data), src.shape);
      const g = new ImageDataGenerator({ fillMode: c.fillMode, cval: c.cval });
      const out = g.applyTransform(x, camel(c.params));
      expect(out.shape).toEqual(c.shape);
      // float64 interpolation rounded to float32 in both; 1e-4 covers summation-order differences.
      expect(maxAbsDiff(out.data, c.data)).toBeLessThan(1e-4);
    });
  }
});
