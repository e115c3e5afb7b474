import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { Flatten, Input, InputLayer, Rescaling, Reshape, UpSampling2D, ZeroPadding2D } from '../../src/layers/index.js';
import { Runner, checkGradients, expectClose, expectThrows, rand } from './harness.js';

describe('Flatten / Reshape', () => {
  it('keep the data and change the shape', () => {
    const f = new Flatten();
    expect(f.build([28, 28, 1])).toEqual([784]);
    const x = rand(2 * 12, 1);
    expect(new Runner(new Flatten(), [2, 3, 2], 2).forward(x)).toEqual(x);
    checkGradients(new Flatten(), [2, 3, 2], { batch: 2 });
    expect(new Reshape({ targetShape: [28, 28, 1] }).build([784])).toEqual([28, 28, 1]);
    expect(new Reshape({ targetShape: [3, -1] }).build([2, 3, 2])).toEqual([3, 4]);
    expect(new Runner(new Reshape({ targetShape: [-1] }), [3, 4], 2).forward(x)).toEqual(x);
    checkGradients(new Reshape({ targetShape: [4, 3] }), [12], { batch: 2 });
  });

  it('Reshape rejects bad target shapes and sizes', () => {
    expectThrows(() => new Reshape({ targetShape: [-1, -1] }), ValueError, 'option "targetShape"');
    expectThrows(() => new Reshape({ targetShape: [0, 3] }), ValueError, 'option "targetShape"');
    expectThrows(() => new Reshape({ targetShape: [5, 5], name: 'r' }).build([784]), ShapeError,
      'Reshape "r" expected input with 25 elements per sample for targetShape [5, 5], received shape [784].');
    expectThrows(() => new Reshape({ targetShape: [5, -1] }).build([12]), ShapeError, 'a multiple of 5');
  });
});

describe('Rescaling', () => {
  it('computes x·scale + offset in float32 as Keras', () => {
    const r = new Rescaling({ scale: 1 / 255, offset: -1 });
    const x = Float32Array.from({ length: 12 }, (_, i) => i * 23);
    const s = Math.fround(1 / 255);
    expect(new Runner(r, [12], 1).forward(x)).toEqual(x.map((v) => Math.fround(v * s) - 1));
    checkGradients(new Rescaling({ scale: 0.5, offset: 2 }), [3, 2], { batch: 2 });
    expect(r.getConfig()).toMatchObject({ scale: 1 / 255, offset: -1 });
    expectThrows(() => new Rescaling({ scale: Number.NaN }), ValueError, 'option "scale" expected a finite number, received NaN.');
  });
});

describe('ZeroPadding2D', () => {
  it('takes Keras padding forms and pads with zeros', () => {
    expect(new ZeroPadding2D().build([4, 5, 2])).toEqual([6, 7, 2]);
    expect(new ZeroPadding2D({ padding: [1, 2] }).build([4, 5, 2])).toEqual([6, 9, 2]);
    const z = new ZeroPadding2D({ padding: [[1, 0], [0, 2]] });
    expect(z.build([1, 1, 1])).toEqual([2, 3, 1]);
    expect(Array.from(new Runner(z, [1, 1, 1], 1).forward([7]))).toEqual([0, 0, 0, 7, 0, 0]);
    expect(z.getConfig()).toMatchObject({ padding: [[1, 0], [0, 2]] });
    checkGradients(new ZeroPadding2D({ padding: [[1, 2], [0, 1]] }), [2, 3, 2], { batch: 2 });
    expectThrows(() => new ZeroPadding2D({ padding: -1 }), ValueError, 'option "padding" expected a non-negative integer');
    expectThrows(() => new ZeroPadding2D({ padding: [1, 2, 3] as never }), ValueError, 'option "padding" expected a number, [height, width] or [[top, bottom], [left, right]]');
    expectThrows(() => new ZeroPadding2D().build([4, 4]), ShapeError, 'expected input of rank 3');
  });
});

describe('UpSampling2D', () => {
  it('repeats pixels (nearest) with Keras default size 2', () => {
    const u = new UpSampling2D();
    expect(u.build([1, 2, 1])).toEqual([2, 4, 1]);
    expect(Array.from(new Runner(u, [1, 2, 1], 1).forward([1, 2]))).toEqual([1, 1, 2, 2, 1, 1, 2, 2]);
    checkGradients(new UpSampling2D({ size: [2, 3] }), [2, 2, 2], { batch: 2 });
    expect(u.getConfig()).toMatchObject({ size: [2, 2], interpolation: 'nearest' });
    expectThrows(() => new UpSampling2D({ size: 0 }), ValueError, 'option "size"');
  });
});

describe('InputLayer / Input', () => {
  it('declares the sample shape and checks it', () => {
    const i = Input({ shape: [28, 28, 1] });
    expect(i).toBeInstanceOf(InputLayer);
    expect(i.inputShape).toEqual([28, 28, 1]);
    expect(i.build([28, 28, 1])).toEqual([28, 28, 1]);
    expect(i.name).toMatch(/^input_layer(_\d+)?$/);
    expect(i.countParams()).toBe(0);
    expect(i.getConfig()).toEqual({ name: i.name, batchShape: [null, 28, 28, 1] });
    expectThrows(() => new InputLayer({ shape: [28, 28], name: 'in' }).build([784]), ShapeError,
      'InputLayer "in" expected input of shape [28, 28], received shape [784].');
    expectThrows(() => Input({ shape: [0] }), ValueError, 'option "shape"');
    const x = rand(6, 2);
    const run = new Runner(new InputLayer({ shape: [3] }), [3], 2);
    expect(run.forward(x)).toEqual(x);
    expectClose(run.backward(x)!, x, 0, 0, 'identity backward');
  });
});
