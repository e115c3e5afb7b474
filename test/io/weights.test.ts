/** saveWeights / loadWeights: positional matching, clear errors naming the first mismatch, nothing half-loaded. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KernoError, ShapeError, ValueError } from '../../src/errors.js';
import { Sequential } from '../../src/engine/sequential.js';
import { ModelFormatError, loadWeightsFromBuffer, modelFromBuffer, weightsToBuffer } from '../../src/io/onnx/index.js';
import { decodeModel } from '../../src/io/onnx/onnxProto.js';
import * as L from '../../src/layers/index.js';
import { model, randomData, sameBits, sameBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cnn = (filters = 3, units = 4) => [
  new L.Conv2D({ filters, kernelSize: 3 }), new L.BatchNormalization(), new L.DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2 }),
  new L.SeparableConv2D({ filters: 2, kernelSize: 2 }), new L.Flatten(), new L.Dense({ units }),
];

describe('saveWeights / loadWeights', () => {
  it('moves every weight (conv layouts and BN statistics included) into a model built separately', async () => {
    const a = model([6, 6, 2], cnn(), 1), b = model([6, 6, 2], cnn(), 2);
    expect(b.layers[0].name).not.toBe(a.layers[0].name); // matched by position, not by name
    const path = join(dir, 'w.onnx');
    await a.saveWeights(path);
    await b.loadWeights(path);
    const wa = a.getWeights(), wb = b.getWeights();
    wa.forEach((w, i) => expect(sameBits(w.data as Float32Array, wb[i].data as Float32Array)).toBe(true));
    const x = randomData([2, 6, 6, 2]);
    expect(sameBits((await a.predict(x, { verbose: 0 })).data as Float32Array, (await b.predict(x, { verbose: 0 })).data as Float32Array)).toBe(true);
    // The weights file holds the graph and architecture but no compile or optimizer state.
    const proto = decodeModel(readFileSync(path));
    expect(proto.metadataProps.map((e) => e.key)).toEqual(['kerno.model']);
    expect(proto.trainingInfo).toEqual([]);
    expect(sameBytes(readFileSync(path), weightsToBuffer(a))).toBe(true);
  });

  it('also reads a full model file written by save', async () => {
    const a = model([5], [new L.Dense({ units: 3 })], 1), b = model([5], [new L.Dense({ units: 3 })], 2);
    a.compile({ optimizer: 'adam', loss: 'mse' });
    loadWeightsFromBuffer(b, a.toBuffer());
    expect(sameBits(a.getWeights()[0].data as Float32Array, b.getWeights()[0].data as Float32Array)).toBe(true);
  });

  it('names the first layer and weight whose shape differs, and changes nothing', () => {
    const a = model([6, 6, 2], cnn(3, 4), 1), b = model([6, 6, 2], cnn(3, 5), 2);
    const before = b.getWeights();
    const err = (() => { try { loadWeightsFromBuffer(b, weightsToBuffer(a)); } catch (e) { return e as Error; } })();
    expect(err).toBeInstanceOf(ShapeError);
    expect(err!.message).toBe(`loadWeightsFromBuffer: layer 5 "${b.layers[5].name}" (Dense) weight "kernel" expected shape [8, 5], received [8, 4] in the file's layer "${a.layers[5].name}".`);
    b.getWeights().forEach((w, i) => expect(sameBits(w.data as Float32Array, before[i].data as Float32Array)).toBe(true));
    const c = model([6, 6, 2], cnn(4, 4), 3);
    expect(() => loadWeightsFromBuffer(c, weightsToBuffer(a))).toThrow(/layer 0 "conv2d\S*" \(Conv2D\) weight "kernel" expected shape \[3, 3, 2, 4\] \(stored as \[4, 2, 3, 3\] in ONNX layout\), received \[3, 2, 3, 3\]/);
  });

  it('names a layer of another class, a missing or extra layer and a missing weight', () => {
    const a = model([5], [new L.Dense({ units: 3 }), new L.Dense({ units: 2 })], 1);
    const file = weightsToBuffer(a);
    expect(() => loadWeightsFromBuffer(model([5], [new L.Dense({ units: 3 }), new L.BatchNormalization()]), file))
      .toThrow(/layer 1 "batch_normalization\S*" \(BatchNormalization\) expected a BatchNormalization in the file, received "dense\S*" \(Dense\)/);
    expect(() => loadWeightsFromBuffer(model([5], [new L.Dense({ units: 3 })]), file)).toThrow(/the file has more layers than model/);
    expect(() => loadWeightsFromBuffer(model([5], [new L.Dense({ units: 3 }), new L.Dense({ units: 2 }), new L.Dense({ units: 1 })]), file))
      .toThrow(/layer 2 "dense\S*" \(Dense\) expected a layer in the file, received none \(the file has 2 layers\)/);
    expect(() => loadWeightsFromBuffer(model([5], [new L.Dense({ units: 3 }), new L.Dense({ units: 2, useBias: false })]), file))
      .toThrow(ValueError);
    expect(() => loadWeightsFromBuffer(model([5], [new L.Dense({ units: 3 }), new L.Dense({ units: 2, useBias: false })]), file))
      .toThrow(/layer 1 "dense\S*" \(Dense\) weight 1 expected no weight, received "bias"/);
  });

  it('refuses files without kerno metadata, unbuilt models and bad arguments', async () => {
    const a = model([5], [new L.Dense({ units: 3 })]);
    expect(() => loadWeightsFromBuffer(a, new Uint8Array([0x08, 0x08]))).toThrow(ModelFormatError);
    expect(() => loadWeightsFromBuffer(new Sequential([new L.Dense({ units: 2 })]), weightsToBuffer(a))).toThrow(KernoError);
    expect(() => loadWeightsFromBuffer(a, 'x' as never)).toThrow(ValueError);
    await expect(a.loadWeights(join(dir, 'nope.onnx'))).rejects.toThrow(/could not read/);
    await expect(a.loadWeights(dir)).rejects.toThrow(/is not a file/);
  });

  it('a weights file loads with loadModel as an uncompiled model', () => {
    const a = model([5], [new L.Dense({ units: 3, activation: 'relu' })]);
    a.compile({ optimizer: 'sgd', loss: 'mse' });
    const back = modelFromBuffer(weightsToBuffer(a));
    expect(back.optimizer).toBeUndefined();
    expect(sameBits(back.getWeights()[0].data as Float32Array, a.getWeights()[0].data as Float32Array)).toBe(true);
  });
});
