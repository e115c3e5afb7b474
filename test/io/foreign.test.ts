/**
 * Import of ONNX models kerno did not write: PyTorch exports (NCHW, committed fixtures made by
 * scripts/fixtures/make_onnx_pytorch_fixture.py), a channels-last graph with a Transpose at the
 * input, and hand-built graphs of the other supported ops. Each predicts like onnxruntime on the
 * original file (|ort − kerno| ≤ 1e-5 + 1e-4·|kerno|) and trains.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelFormatError, loadModel, modelFromBuffer } from '../../src/io/onnx/index.js';
import { AttrType, DataType, type ModelProto, type NodeProto, decodeModel, encodeModel } from '../../src/io/onnx/onnxProto.js';
import { floatTensor, int64Tensor, transpose } from '../../src/io/onnx/tensors.js';
import * as L from '../../src/layers/index.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { model, randomData, runOrt, sameBytes } from './helpers.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/onnx/${name}`, import.meta.url));

/** NCHW → NHWC of a batch. */
function toNhwc(x: Tensor): Tensor {
  const [n, c, h, w] = x.shape;
  return tensor(transpose(x.data as Float32Array, [n, c, h, w], [0, 2, 3, 1]), [n, h, w, c]);
}

function expectClose(a: Float32Array, b: Float32Array): void {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) {
    if (!(Math.abs(a[i] - b[i]) <= 1e-5 + 1e-4 * Math.abs(b[i]))) throw new Error(`element ${i}: onnxruntime ${a[i]}, kerno ${b[i]}`);
  }
}

async function expectImportParity(bytes: Uint8Array, x: Tensor, kernoX: Tensor): Promise<void> {
  const m = modelFromBuffer(bytes);
  const ours = await m.predict(kernoX, { verbose: 0 }), theirs = await runOrt(bytes, x);
  expect([...ours.shape]).toEqual([...theirs.dims]);
  expectClose(theirs.data, ours.data as Float32Array);
}

describe('PyTorch exports', () => {
  it('a CNN (Conv, Relu, BatchNormalization, MaxPool, LeakyRelu, AveragePool, Flatten, Gemm, Erf GELU, Softmax) predicts like onnxruntime', async () => {
    const path = fixture('pytorch_cnn.onnx'), x = randomData([5, 1, 12, 12], 4);
    const m = await loadModel(path);
    expect(m.inputShape).toEqual([12, 12, 1]);
    expect(m.layers.map((l) => l.className)).toEqual([
      'Conv2D', 'ReLU', 'BatchNormalization', 'MaxPooling2D', 'Conv2D', 'LeakyReLU', 'AveragePooling2D', 'Flatten', 'Dense',
      'Activation', 'Dense', 'Softmax',
    ]);
    await expectImportParity(readFileSync(path), x, toNhwc(x));
  });

  it('depthwise Conv with asymmetric pads, GlobalAveragePool, Tanh, Sigmoid, BatchNorm1d', async () => {
    const path = fixture('pytorch_depthwise.onnx'), x = randomData([4, 3, 8, 8], 5);
    const m = await loadModel(path);
    expect(m.layers.map((l) => l.className)).toEqual([
      'ZeroPadding2D', 'Conv2D', 'Activation', 'DepthwiseConv2D', 'Activation', 'GlobalAveragePooling2D', 'Flatten', 'Dense', 'ReLU',
      'BatchNormalization', 'Dense',
    ]);
    await expectImportParity(readFileSync(path), x, toNhwc(x));
  });

  it('fine-tunes: the loss decreases; the model then saves and loads as a kerno model', async () => {
    const m = await loadModel(fixture('pytorch_cnn.onnx'));
    const x = toNhwc(randomData([24, 1, 12, 12], 6));
    const y = tensor(Float32Array.from({ length: 72 }, (_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0)), [24, 3]);
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 8, batchSize: 8, verbose: 0 });
    const loss = h.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0]);
    const bytes = m.toBuffer(), back = modelFromBuffer(bytes);
    expect(sameBytes(back.toBuffer(), bytes)).toBe(true);
  });

  it('an unsupported op is an error naming the op and the node', () => {
    const p = decodeModel(readFileSync(fixture('pytorch_cnn.onnx')));
    p.graph!.node[5].opType = 'Selu';
    expect(() => modelFromBuffer(encodeModel(p).finish())).toThrow(ModelFormatError);
    expect(() => modelFromBuffer(encodeModel(p).finish())).toThrow('modelFromBuffer: node 5 "/5/LeakyRelu" (op Selu) is not supported: kerno has no layer for this op.');
    const q = decodeModel(readFileSync(fixture('pytorch_cnn.onnx')));
    q.graph!.node[4].attribute.find((a) => a.name === 'group')!.i = 2;
    expect(() => modelFromBuffer(encodeModel(q).finish())).toThrow(/node 4 "\/4\/Conv" \(op Conv\) is not supported: group 2 with 6 input channels/);
  });
});

describe('other graphs', () => {
  it('a channels-last graph (Transpose at the input, as tf2onnx writes) imports without layout changes', async () => {
    const k = model([6, 6, 2], [new L.Conv2D({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }), new L.MaxPooling2D({}), new L.Flatten(), new L.Dense({ units: 4, activation: 'softmax' })]);
    const p = decodeModel(k.toBuffer({ includeOptimizer: false }));
    p.metadataProps = [];
    p.producerName = 'tf2onnx';
    const bytes = encodeModel(p).finish(), x = randomData([3, 6, 6, 2]);
    const m = modelFromBuffer(bytes);
    expect(m.layers.map((l) => l.className)).toEqual(['Conv2D', 'ReLU', 'MaxPooling2D', 'Flatten', 'Dense', 'Softmax']);
    await expectImportParity(bytes, x, x);
    const mine = await k.predict(x, { verbose: 0 }), theirs = await m.predict(x, { verbose: 0 });
    expectClose(mine.data as Float32Array, theirs.data as Float32Array);
  });

  it('Mul/Add by scalars, MatMul + Add, Relu, Dropout, Identity, Reshape, Gelu (opset 20), Constant and Softmax', async () => {
    const node = (opType: string, input: string[], output: string, attribute: NodeProto['attribute'] = []): NodeProto =>
      ({ opType, input, output: [output], name: output, domain: '', attribute });
    const r = randomData([6 * 4 + 4 + 4 * 3], 9).data as Float32Array;
    const proto: ModelProto = {
      irVersion: 9, opsetImport: [{ domain: '', version: 20 }], producerName: 'hand', producerVersion: '', domain: '', modelVersion: 0,
      docString: '', metadataProps: [], trainingInfo: [],
      graph: {
        name: 'hand', docString: '', valueInfo: [],
        input: [{ name: 'input', elemType: DataType.FLOAT, shape: [{ param: 'N' }, { value: 6 }] }],
        output: [{ name: 'output', elemType: DataType.FLOAT, shape: [{ param: 'N' }, { value: 3 }] }],
        initializer: [
          floatTensor('scale', Float32Array.of(0.5), []), floatTensor('offset', Float32Array.of(-0.25), []),
          floatTensor('W', r.slice(0, 24), [6, 4]), floatTensor('b', r.slice(24, 28), [4]), floatTensor('W2', r.slice(28, 40), [4, 3]),
          floatTensor('ratio', Float32Array.of(0.3), []), int64Tensor('shape', [0, -1]),
        ],
        node: [
          node('Mul', ['input', 'scale'], 'm'), node('Add', ['m', 'offset'], 'a'), node('MatMul', ['a', 'W'], 'mm'), node('Add', ['mm', 'b'], 'd'),
          node('Relu', ['d'], 'relu'), node('Dropout', ['relu', 'ratio'], 'drop'), node('Identity', ['drop'], 'id'), node('Reshape', ['id', 'shape'], 'rs'),
          node('Gelu', ['rs'], 'gelu'), { ...node('Constant', [], 'W2c'), attribute: [{ name: 'value', type: AttrType.TENSOR, t: floatTensor('W2c', r.slice(28, 40), [4, 3]) }] },
          node('MatMul', ['gelu', 'W2c'], 'mm2'), node('Softmax', ['mm2'], 'output', [{ name: 'axis', type: AttrType.INT, i: 1 }]),
        ],
      },
    };
    const bytes = encodeModel(proto).finish(), x = randomData([5, 6], 10);
    const m = modelFromBuffer(bytes);
    expect(m.layers.map((l) => l.className)).toEqual(['Rescaling', 'Dense', 'ReLU', 'Dropout', 'Activation', 'Dense', 'Softmax']);
    await expectImportParity(bytes, x, x);
  });
});
