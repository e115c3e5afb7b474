/** Tensor construction, dtype rules, views and copies, argMax against numpy's rules, and the error format. */
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../src/errors.js';
import { Tensor, tensor, toTensor } from '../src/tensor.js';

describe('construction', () => {
  it('wraps typed arrays without copying and keeps their dtype', () => {
    const f = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = tensor(f, [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.data).toBe(f);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(tensor(new Int32Array(3)).dtype).toBe('int32');
    expect(tensor(new Uint8Array(3)).dtype).toBe('uint8');
    expect(tensor(new Uint8Array(3)).shape).toEqual([3]);
  });

  it('converts other typed arrays to the lossless dtype', () => {
    const d = tensor(Float64Array.of(0.1, 2));
    expect(d.dtype).toBe('float32');
    expect(d.data[0]).toBe(Math.fround(0.1));
    expect(tensor(Int16Array.of(-3, 4)).dtype).toBe('int32');
    expect(tensor(Uint16Array.of(65535)).data[0]).toBe(65535);
    expect(tensor(Uint8ClampedArray.of(7)).dtype).toBe('uint8');
    expect(tensor(Uint32Array.of(4294967295)).dtype).toBe('float32');
  });

  it('infers shapes from number[] and nested arrays, default float32', () => {
    const v = tensor([1, 2, 3]);
    expect(v.shape).toEqual([3]);
    expect(v.dtype).toBe('float32');
    const m = tensor([
      [[1, 2], [3, 4], [5, 6]],
      [[7, 8], [9, 10], [11, 12]],
    ]);
    expect(m.shape).toEqual([2, 3, 2]);
    expect(Array.from(m.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor(5).shape).toEqual([]);
    expect(tensor(5).toArray()).toBe(5);
  });

  it('accepts arrays of typed-array rows', () => {
    const t = tensor([Float32Array.of(1, 2), Float32Array.of(3, 4)]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('reshapes flat data to a given shape and checks the size', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [3, 2]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow(/^tensor\(data\) shape expected a shape of 3 elements \(the data's\), received "\[2, 2\]"\.$/);
    expect(() => tensor([1, 2], [-1, 2])).toThrow(ShapeError);
    expect(() => tensor([1, 2], [1.5, 2])).toThrow(ShapeError);
  });

  it('converts to int32/uint8 on request, only for exact integers in range', () => {
    const t = tensor([[1, 2], [3, 255]], undefined, 'uint8');
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 255]);
    const f = new Float32Array([1, 2]);
    const i = tensor(f, undefined, 'int32');
    expect(i.data).toBeInstanceOf(Int32Array);
    expect(i.data).not.toBe(f);
    expect(() => tensor([256], undefined, 'uint8')).toThrow(ValueError);
    expect(() => tensor([-1], undefined, 'uint8')).toThrow(/expected uint8 values \(integers in \[0, 255\]\), received -1\. At flat index 0\./);
    expect(() => tensor([1.5], undefined, 'int32')).toThrow(ValueError);
    expect(() => tensor([2 ** 31], undefined, 'int32')).toThrow(ValueError);
    expect(() => tensor([NaN], undefined, 'int32')).toThrow(/received NaN/);
    expect(() => tensor([1], undefined, 'float64' as never)).toThrow(ValueError);
  });

  it('rejects ragged nesting with a ShapeError that names the index', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow(
      'tensor(data) expected an array of length 2, received an array of length 1. At index [1]; nested arrays must be rectangular (inferred shape [2, 2]).',
    );
    expect(() => tensor([[1, 2], 3] as never)).toThrow(ShapeError);
    expect(() => tensor([[1, [2]], [3, 4]] as never)).toThrow(ShapeError);
    expect(() => tensor([[[1]], [[2], [3]]])).toThrow(ShapeError);
  });

  it('rejects non-numbers with a ValueError', () => {
    expect(() => tensor([1, '2'] as never)).toThrow(ValueError);
    expect(() => tensor([1, '2'] as never)).toThrow('tensor(data) expected numbers, received "2". At index [1].');
    expect(() => tensor('abc' as never)).toThrow(ValueError);
    expect(() => tensor([null] as never)).toThrow(ValueError);
    expect(() => tensor(new BigInt64Array(2) as never)).toThrow(ValueError);
  });

  it('the constructor validates size and data type', () => {
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(ShapeError);
    expect(() => new Tensor(new Float32Array(5), [2, 3])).toThrow(
      'Tensor(data) expected 6 elements for shape [2, 3], received a Float32Array of length 5.',
    );
    expect(() => new Tensor(new Float64Array(6) as never, [6])).toThrow(ValueError);
    const shape = [2, 3];
    const t = new Tensor(new Float32Array(6), shape);
    shape[0] = 3; // the tensor keeps its own frozen copy
    expect(t.shape).toEqual([2, 3]);
    expect(Object.isFrozen(t.shape)).toBe(true);
  });
});

describe('toArray', () => {
  it('round-trips nested arrays of every rank', () => {
    const a = [[[1, 2, 3], [4, 5, 6]], [[7, 8, 9], [10, 11, 12]]];
    expect(tensor(a).toArray()).toEqual(a);
    expect(tensor([1, 2]).toArray()).toEqual([1, 2]);
    expect(tensor(new Float32Array(0), [0, 3]).toArray()).toEqual([]);
    expect(tensor(new Float32Array(0), [2, 0]).toArray()).toEqual([[], []]);
    const rows = tensor([[1, 2], [3, 4]]).toArray<number[][]>();
    expect(rows[1][0]).toBe(3);
  });
});

describe('argMax', () => {
  // Expected values from numpy.argmax on the same arrays.
  const x = tensor([
    [[1, 9, 3], [4, 4, 0]],
    [[7, 2, 7], [-1, -2, -3]],
  ]);

  it('defaults to the last axis and returns int32 without that axis', () => {
    const a = x.argMax();
    expect(a.dtype).toBe('int32');
    expect(a.shape).toEqual([2, 2]);
    expect(a.toArray()).toEqual([[1, 0], [0, 0]]); // ties → first index
  });

  it('works along any axis, negative axes included', () => {
    expect(x.argMax(0).toArray()).toEqual([[1, 0, 1], [0, 0, 0]]);
    expect(x.argMax(1).toArray()).toEqual([[1, 0, 0], [0, 0, 0]]);
    expect(x.argMax(-2).toArray()).toEqual(x.argMax(1).toArray());
    expect(tensor([3, 1, 3]).argMax().shape).toEqual([]);
    expect(tensor([3, 1, 3]).argMax().toArray()).toBe(0);
  });

  it('treats NaN as the maximum (the first NaN wins), like numpy', () => {
    expect(tensor([1, NaN, 5, NaN]).argMax().toArray()).toBe(1);
    expect(tensor([NaN, 5]).argMax().toArray()).toBe(0);
  });

  it('works on int32 and uint8 data', () => {
    expect(tensor(Uint8Array.of(0, 255, 3, 255), [2, 2]).argMax().toArray()).toEqual([1, 1]);
    expect(tensor(Uint8Array.of(0, 255, 255, 3), [2, 2]).argMax().toArray()).toEqual([1, 0]);
    expect(tensor(Int32Array.of(-5, -2, -9)).argMax().toArray()).toBe(1);
  });

  it('rejects bad axes, scalars and empty axes', () => {
    expect(() => x.argMax(3)).toThrow('argMax(axis) expected an integer in [-3, 2], received 3.');
    expect(() => x.argMax(0.5)).toThrow(ValueError);
    expect(() => tensor(1).argMax()).toThrow(ValueError);
    expect(() => tensor(new Float32Array(0), [2, 0]).argMax()).toThrow(ValueError);
  });
});

describe('reshape', () => {
  const t = tensor(new Float32Array(24).map((_, i) => i), [2, 3, 4]);

  it('shares data and infers one -1', () => {
    const r = t.reshape([6, -1]);
    expect(r.shape).toEqual([6, 4]);
    expect(r.data).toBe(t.data);
    expect(t.reshape([-1]).shape).toEqual([24]);
    expect(t.reshape([4, 3, 2]).toArray()).toEqual(
      Array.from({ length: 4 }, (_, a) => Array.from({ length: 3 }, (_, b) => [a * 6 + b * 2, a * 6 + b * 2 + 1])),
    );
  });

  it('rejects incompatible shapes and two -1', () => {
    expect(() => t.reshape([5, 5])).toThrow(ShapeError);
    expect(() => t.reshape([5, -1])).toThrow(ShapeError);
    expect(() => t.reshape([-1, -1])).toThrow(ShapeError);
    expect(() => t.reshape([0, -1])).toThrow(ShapeError);
    expect(() => t.reshape([5, 5])).toThrow('reshape(shape) expected a shape of 24 elements, received "[5, 5]". Tensor shape [2, 3, 4].');
  });
});

describe('slice and gather', () => {
  const t = tensor([[0, 1], [2, 3], [4, 5], [6, 7]], undefined, 'int32');

  it('slice shares memory and clamps like Array.prototype.slice', () => {
    const s = t.slice(1, 3);
    expect(s.shape).toEqual([2, 2]);
    expect(s.toArray()).toEqual([[2, 3], [4, 5]]);
    expect(s.data.buffer).toBe(t.data.buffer);
    expect(s.dtype).toBe('int32');
    expect(t.slice(2).toArray()).toEqual([[4, 5], [6, 7]]);
    expect(t.slice(-1).toArray()).toEqual([[6, 7]]);
    expect(t.slice(3, 100).shape).toEqual([1, 2]);
    expect(t.slice(3, 1).shape).toEqual([0, 2]);
    expect(() => t.slice(0.5)).toThrow(ValueError);
    expect(() => tensor(1).slice(0)).toThrow(ValueError);
  });

  it('gather copies rows in order, repeats allowed', () => {
    const g = t.gather(Int32Array.of(3, 0, 3));
    expect(g.toArray()).toEqual([[6, 7], [0, 1], [6, 7]]);
    expect(g.data.buffer).not.toBe(t.data.buffer);
    expect(g.dtype).toBe('int32');
    expect(tensor([5, 6, 7]).gather([2, 1]).toArray()).toEqual([7, 6]);
    expect(t.gather([]).shape).toEqual([0, 2]);
  });

  it('gather rejects indices out of range', () => {
    expect(() => t.gather([4])).toThrow('gather(rows) expected row indices in [0, 4), received 4. At position 0.');
    expect(() => t.gather([-1])).toThrow(ValueError);
    expect(() => t.gather([1.5])).toThrow(ValueError);
  });
});

describe('asFloat32 and toTensor', () => {
  it('asFloat32 returns float32 data itself and converts the rest', () => {
    const f = tensor([1, 2]);
    expect(f.asFloat32()).toBe(f.data);
    const u = tensor(Uint8Array.of(1, 200));
    expect(u.asFloat32()).toEqual(Float32Array.of(1, 200));
  });

  it('toTensor passes Tensors through and builds the rest, naming the argument', () => {
    const t = tensor([1, 2]);
    expect(toTensor(t, 'fit(x)')).toBe(t);
    expect(toTensor([[1], [2]], 'fit(x)').shape).toEqual([2, 1]);
    expect(toTensor(Int32Array.of(1, 2), 'fit(y)').dtype).toBe('int32');
    expect(() => toTensor([[1, 2], [3]], 'fit(x)')).toThrow(/^fit\(x\) expected an array of length 2/);
    expect(() => toTensor({ data: [1] } as never, 'fit(y)')).toThrow('fit(y) expected a Tensor, a typed array or (nested) arrays of numbers, received an object.');
    expect(() => toTensor('x' as never, 'predict(x)')).toThrow(ValueError);
  });

  it('toString names dtype and shape', () => {
    expect(`${tensor([[1, 2]])}`).toBe('Tensor(float32, [1, 2])');
  });
});
