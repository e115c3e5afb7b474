// Loading decodes each checked initializer straight into its weight (src/io/onnx/read.ts
// checkedWeight/decodeWeight): the values land in the given array, in Keras's layout, and every
// malformed tensor is refused by the check, before any weight is written.
import { describe, expect, it } from 'vitest';

import { DataType, type TensorProto } from '../../src/io/onnx/onnxProto.js';
import { ModelFormatError } from '../../src/io/onnx/errors.js';
import { toOnnxLayout } from '../../src/io/onnx/layouts.js';
import { checkedWeight, decodeWeight } from '../../src/io/onnx/read.js';
import { floatTensor } from '../../src/io/onnx/tensors.js';

const seq = (n: number) => Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);

describe('checkedWeight + decodeWeight', () => {
  it('writes a Dense kernel into the given array, unchanged', () => {
    const v = seq(12), init = new Map([['d/kernel', floatTensor('d/kernel', v, [3, 4])]]);
    const p = checkedWeight(init, 'd', 'Dense', 'kernel', [3, 4], 'layer 0');
    const into = new Float32Array(12);
    expect(decodeWeight(p, into)).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(v));
  });

  it('transposes a Conv2D kernel from OIHW back to HWIO, into the given array', () => {
    const hwio = seq(2 * 2 * 3 * 5), shape = [2, 2, 3, 5];
    const oihw = toOnnxLayout('Conv2D', 'kernel', hwio, shape);
    const init = new Map([['c/kernel', floatTensor('c/kernel', oihw, [5, 3, 2, 2])]]);
    const into = new Float32Array(hwio.length);
    expect(decodeWeight(checkedWeight(init, 'c', 'Conv2D', 'kernel', shape, 'layer 0'), into)).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(hwio));
    expect(Array.from(decodeWeight(checkedWeight(init, 'c', 'Conv2D', 'kernel', shape, 'layer 0')))).toEqual(Array.from(hwio));
  });

  it('reads float_data as well as raw_data, from an unaligned raw_data view', () => {
    const bytes = new Uint8Array(4 * 6 + 1);
    new Uint8Array(seq(6).buffer).forEach((b, i) => { bytes[i + 1] = b; });
    const rawT: TensorProto = { name: 'd/bias', dataType: DataType.FLOAT, dims: [6], rawData: bytes.subarray(1) };
    const floatT: TensorProto = { name: 'd/bias', dataType: DataType.FLOAT, dims: [6], floatData: Array.from(seq(6)) };
    for (const t of [rawT, floatT]) {
      const into = new Float32Array(6);
      decodeWeight(checkedWeight(new Map([['d/bias', t]]), 'd', 'Dense', 'bias', [6], 'layer 0'), into);
      expect(Array.from(into)).toEqual(Array.from(seq(6)));
    }
  });

  it('refuses a wrong byte count or data type at the check, naming the initializer', () => {
    const short: TensorProto = { name: 'd/bias', dataType: DataType.FLOAT, dims: [6], rawData: new Uint8Array(20) };
    const ints: TensorProto = { name: 'd/bias', dataType: DataType.INT64, dims: [6], rawData: new Uint8Array(48) };
    expect(() => checkedWeight(new Map([['d/bias', short]]), 'd', 'Dense', 'bias', [6], 'layer 0'))
      .toThrow(/initializer "d\/bias"\.raw_data expected 24 bytes, received 20 bytes/);
    expect(() => checkedWeight(new Map([['d/bias', ints]]), 'd', 'Dense', 'bias', [6], 'layer 0')).toThrow(ModelFormatError);
    expect(() => checkedWeight(new Map(), 'd', 'Dense', 'bias', [6], 'layer 0')).toThrow(/expected initializer "d\/bias" in the file, received none/);
  });
});
