/**
 * onnxruntime-node runs every exported layer type and activation like kerno's predict, to
 * |ort − kerno| ≤ 1e-5 + 1e-4·|kerno| (the bound), with a dynamic batch axis. Weights
 * (biases and BatchNormalization statistics included) are randomized so layouts and terms show.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES } from '../../src/layers/activations.js';
import * as L from '../../src/layers/index.js';
import { decodeModel } from '../../src/io/onnx/onnxProto.js';
import { tensor } from '../../src/tensor.js';
import { expectOrtParity, model, randomData } from './helpers.js';

const img = [7, 6, 3];
const x = randomData([4, ...img]);
const xv = randomData([4, 5]);

describe('onnxruntime parity per layer', () => {
  it('Dense (Gemm on vectors, MatMul + Add on higher ranks, with and without bias)', async () => {
    await expectOrtParity(model([5], [new L.Dense({ units: 4 }), new L.Dense({ units: 3, useBias: false })]), xv);
    await expectOrtParity(model([2, 5], [new L.Dense({ units: 3, activation: 'tanh' }), new L.Dense({ units: 2, useBias: false })]), randomData([4, 2, 5]));
    // A Dense on an image tensor reads the channels: NHWC even after convolutions.
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 4, kernelSize: 3 }), new L.Dense({ units: 2 })]), x);
  });

  for (const act of ACTIVATION_NAMES) {
    it(`activation '${act}' (as an Activation layer, on Dense and after Conv2D in NCHW)`, async () => {
      await expectOrtParity(model([5], [new L.Dense({ units: 6, activation: act }), new L.Activation({ activation: act })]), xv);
      await expectOrtParity(model(img, [new L.Conv2D({ filters: 4, kernelSize: 2, activation: act }), new L.Activation({ activation: act })]), x);
    });
  }

  it('Conv2D (same/valid, strides, dilation, no bias)', async () => {
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 5, kernelSize: 3, padding: 'same' })]), x);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 4, kernelSize: [2, 3], strides: 2, padding: 'same' })]), x);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 4, kernelSize: 3, strides: [2, 1], padding: 'valid', useBias: false })]), x);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 2, kernelSize: 2, dilationRate: 2, padding: 'same' })]), x);
  });

  it('DepthwiseConv2D (group conv, depth multiplier, strides)', async () => {
    await expectOrtParity(model(img, [new L.DepthwiseConv2D({ kernelSize: 3, depthMultiplier: 2, padding: 'same' })]), x);
    await expectOrtParity(model(img, [new L.DepthwiseConv2D({ kernelSize: 2, strides: 2, useBias: false, activation: 'relu' })]), x);
  });

  it('SeparableConv2D (depthwise then pointwise Conv)', async () => {
    await expectOrtParity(model(img, [new L.SeparableConv2D({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same' })]), x);
    await expectOrtParity(model(img, [new L.SeparableConv2D({ filters: 3, kernelSize: 2, strides: 2, useBias: false })]), x);
  });

  it('MaxPooling2D (valid, same with the extra pixel at the end, strides)', async () => {
    await expectOrtParity(model(img, [new L.MaxPooling2D({})]), x);
    await expectOrtParity(model(img, [new L.MaxPooling2D({ poolSize: 3, strides: 2, padding: 'same' })]), x);
  });

  it('AveragePooling2D (padded taps not counted under same)', async () => {
    await expectOrtParity(model(img, [new L.AveragePooling2D({ poolSize: 2 })]), x);
    await expectOrtParity(model(img, [new L.AveragePooling2D({ poolSize: 3, strides: 2, padding: 'same' })]), x);
  });

  it('GlobalAveragePooling2D (with and without keepdims)', async () => {
    await expectOrtParity(model(img, [new L.GlobalAveragePooling2D()]), x);
    await expectOrtParity(model(img, [new L.GlobalAveragePooling2D({ keepdims: true }), new L.Conv2D({ filters: 2, kernelSize: 1 })]), x);
  });

  it('GlobalMaxPooling2D (with and without keepdims)', async () => {
    await expectOrtParity(model(img, [new L.GlobalMaxPooling2D()]), x);
    await expectOrtParity(model(img, [new L.GlobalMaxPooling2D({ keepdims: true })]), x);
  });

  it('BatchNormalization (moving statistics, epsilon; vectors, images, sequences; no scale/center)', async () => {
    await expectOrtParity(model([5], [new L.BatchNormalization({ epsilon: 0.01 })]), xv);
    await expectOrtParity(model(img, [new L.BatchNormalization()]), x);
    await expectOrtParity(model([2, 5], [new L.BatchNormalization({ center: false, scale: false })]), randomData([4, 2, 5]));
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 3, kernelSize: 3 }), new L.BatchNormalization({ scale: false })]), x);
  });

  it('Dropout (a node, the identity at inference)', async () => {
    await expectOrtParity(model([5], [new L.Dense({ units: 4 }), new L.Dropout({ rate: 0.4 })]), xv);
    await expectOrtParity(model(img, [new L.Dropout({ rate: 0.5 })]), x);
  });

  it('Flatten (back to channels-last order after convolutions)', async () => {
    await expectOrtParity(model(img, [new L.Flatten()]), x);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 2, kernelSize: 2 }), new L.Flatten(), new L.Dense({ units: 3 })]), x);
  });

  it('Reshape (with an inferred axis, into a convolution)', async () => {
    await expectOrtParity(model([12], [new L.Reshape({ targetShape: [2, -1, 2] }), new L.Conv2D({ filters: 2, kernelSize: 1 })]), randomData([3, 12]));
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 2, kernelSize: 2 }), new L.Reshape({ targetShape: [-1, 2] })]), x);
  });

  it('ReLU (with and without a negative slope) and LeakyReLU', async () => {
    await expectOrtParity(model([5], [new L.ReLU(), new L.Dense({ units: 3 }), new L.ReLU({ negativeSlope: 0.1 })]), xv);
    await expectOrtParity(model([5], [new L.LeakyReLU()]), xv);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 2, kernelSize: 2 }), new L.LeakyReLU({ negativeSlope: 0.05 })]), x);
  });

  it('Softmax (last axis; on an NCHW tensor along the channels)', async () => {
    await expectOrtParity(model([5], [new L.Softmax()]), xv);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 3, kernelSize: 2 }), new L.Softmax()]), x);
  });

  it('Rescaling', async () => {
    await expectOrtParity(model(img, [new L.Rescaling({ scale: 1 / 255, offset: -0.5 }), new L.Conv2D({ filters: 2, kernelSize: 2 })]), x);
  });

  it('ZeroPadding2D (channels-last input, after a convolution)', async () => {
    await expectOrtParity(model(img, [new L.ZeroPadding2D({ padding: [[1, 2], [0, 3]] })]), x);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 2, kernelSize: 2 }), new L.ZeroPadding2D({ padding: 1 })]), x);
  });

  it('UpSampling2D (nearest, both layouts)', async () => {
    await expectOrtParity(model(img, [new L.UpSampling2D({ size: [2, 3] })]), x);
    await expectOrtParity(model(img, [new L.Conv2D({ filters: 2, kernelSize: 2 }), new L.UpSampling2D({})]), x);
  });

  it('InputLayer (the graph input; not a node)', async () => {
    await expectOrtParity(model([5], [new L.InputLayer({ shape: [5] }), new L.Dense({ units: 2 })]), xv);
  });
});

describe('onnxruntime parity of the tutorial models', () => {
  it('MLP of examples/tutorial.ts: Rescaling → Flatten → Dense(256) → Dense(128) → Dense(10, softmax), trained', async () => {
    const m = model([28, 28], [
      new L.Rescaling({ scale: 1 / 255 }), new L.Flatten(), new L.Dense({ units: 256, activation: 'relu' }),
      new L.Dense({ units: 128, activation: 'relu' }), new L.Dense({ units: 10, activation: 'softmax' }),
    ]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const pixels = tensor(Float32Array.from(randomData([16, 28, 28]).data as Float32Array, (v) => Math.round((v + 2) * 63)), [16, 28, 28]);
    const labels = tensor(Float32Array.from({ length: 160 }, (_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0)), [16, 10]);
    await m.fit(pixels, labels, { epochs: 1, batchSize: 8, verbose: 0 });
    await expectOrtParity(m, pixels);
  });

  it('CNN: Rescaling → Conv → BN → pool → Conv → pool → Flatten → Dense → Dropout → Dense', async () => {
    const m = model([28, 28, 1], [
      new L.Rescaling({ scale: 1 / 2 }), new L.Conv2D({ filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
      new L.BatchNormalization(), new L.MaxPooling2D({}), new L.Conv2D({ filters: 16, kernelSize: 3, activation: 'relu' }),
      new L.MaxPooling2D({}), new L.Flatten(), new L.Dense({ units: 32, activation: 'relu' }), new L.Dropout({ rate: 0.5 }),
      new L.Dense({ units: 10, activation: 'softmax' }),
    ]);
    await expectOrtParity(m, randomData([6, 28, 28, 1]));
  });
});

describe('exported graph', () => {
  it('names its input and output, has a dynamic batch axis and a doc_string', async () => {
    const m = model(img, [new L.Conv2D({ filters: 2, kernelSize: 3 }), new L.Flatten(), new L.Dense({ units: 3, activation: 'softmax' })]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const bytes = m.toBuffer();
    const s = await ort.InferenceSession.create(bytes);
    expect(s.inputNames).toEqual(['input']);
    expect(s.outputNames).toEqual(['output']);
    const proto = decodeModel(bytes), g = proto.graph!;
    expect(g.input[0].shape).toEqual([{ param: 'batch' }, { value: 7 }, { value: 6 }, { value: 3 }]);
    expect(g.output[0].shape).toEqual([{ param: 'batch' }, { value: 3 }]);
    expect(proto.docString).toMatch(/Conv2D → Flatten → Dense/);
    expect(proto.docString).toMatch(/Adam on categorical_crossentropy/);
    expect(proto.irVersion).toBe(8);
    expect(proto.opsetImport).toEqual([{ domain: '', version: 17 }]);
    // One Transpose into NCHW for the convolution, one back before Flatten.
    expect(g.node.filter((n) => n.opType === 'Transpose')).toHaveLength(2);
    expect(g.node.map((n) => n.opType)).toContain('Gemm');
  });

  it('writes GELU as Erf at opset 17 and as the Gelu op at opsets 20 and 21', async () => {
    const m = model([5], [new L.Dense({ units: 4, activation: 'gelu' })]);
    expect(decodeModel(m.toBuffer()).graph!.node.map((n) => n.opType)).toContain('Erf');
    for (const opset of [20, 21]) {
      const proto = decodeModel(m.toBuffer({ opset }));
      expect(proto.graph!.node.map((n) => n.opType)).toContain('Gelu');
      expect(proto.irVersion).toBe(opset === 20 ? 9 : 10);
      await expectOrtParity(m, xv, { opset });
    }
  });

  it('runs the same at every opset from 17 to 21', async () => {
    const m = model(img, [
      new L.ZeroPadding2D({ padding: 1 }), new L.Conv2D({ filters: 3, kernelSize: 3, activation: 'gelu' }), new L.BatchNormalization(),
      new L.UpSampling2D({}), new L.AveragePooling2D({ poolSize: 2, padding: 'same' }), new L.Reshape({ targetShape: [-1, 3] }),
      new L.Flatten(), new L.Dropout({ rate: 0.1 }), new L.Dense({ units: 2, activation: 'softmax' }),
    ]);
    for (const opset of [17, 18, 19, 20, 21]) await expectOrtParity(m, x, { opset });
  });
});
