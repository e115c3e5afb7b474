/**
 * save → load → save is byte-identical; a loaded model predicts bitwise like the original and
 * keeps its compile configuration; files are written atomically; includeOptimizer false.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KernoError, ValueError } from '../../src/errors.js';
import { EXPORTABLE } from '../../src/io/onnx/export.js';
import { loadModel, modelFromBuffer } from '../../src/io/onnx/index.js';
import { decodeModel } from '../../src/io/onnx/onnxProto.js';
import { LAYERS, LOSSES, METRICS, OPTIMIZERS } from '../../src/io/onnx/registry.js';
import { PRODUCER_VERSION } from '../../src/io/onnx/save.js';
import * as L from '../../src/layers/index.js';
import { CosineDecay, ExponentialDecay, PiecewiseConstantDecay, SGD } from '../../src/optimizers/index.js';
import { Sequential } from '../../src/engine/sequential.js';
import { l2 } from '../../src/regularizers.js';
import { HeNormal } from '../../src/initializers/index.js';
import { type Tensor, tensor } from '../../src/tensor.js';
import { model, randomData, sameBits, sameBytes } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-onnx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const img = [8, 8, 2];

function oneHot(n: number, classes: number): Tensor {
  return tensor(Float32Array.from({ length: n * classes }, (_, i) => (i % classes === Math.floor(i / classes) % classes ? 1 : 0)), [n, classes]);
}

/** Every layer class with non-default options, in one CNN and one MLP. */
function zoo(): Sequential[] {
  return [
    model(img, [
      new L.Rescaling({ scale: 0.5, offset: 0.25 }), new L.ZeroPadding2D({ padding: [1, 2] }),
      new L.Conv2D({ filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: new HeNormal({ seed: 3 }), kernelRegularizer: l2(1e-4) }),
      new L.BatchNormalization({ momentum: 0.9, epsilon: 0.01 }), new L.DepthwiseConv2D({ kernelSize: 2, depthMultiplier: 2, activation: 'elu' }),
      new L.SeparableConv2D({ filters: 3, kernelSize: 2, padding: 'same', useBias: false }), new L.UpSampling2D({ size: [2, 1] }),
      new L.MaxPooling2D({ poolSize: 2, padding: 'same' }), new L.AveragePooling2D({ poolSize: [1, 2] }), new L.LeakyReLU({ negativeSlope: 0.1 }),
      new L.GlobalAveragePooling2D({ keepdims: true }), new L.Flatten(), new L.Dropout({ rate: 0.3, seed: 9 }),
      new L.Dense({ units: 5, activation: 'gelu', trainable: false }), new L.Activation({ activation: 'swish' }), new L.ReLU({ negativeSlope: 0.05 }),
      new L.Reshape({ targetShape: [5, 1] }), new L.Softmax(),
    ]),
    model([6], [new L.Dense({ units: 8, activation: 'tanh' }), new L.BatchNormalization({ center: false }), new L.Dense({ units: 3, activation: 'softmax' })]),
    model(img, [new L.Conv2D({ filters: 2, kernelSize: 3 }), new L.GlobalMaxPooling2D(), new L.Dense({ units: 1, activation: 'sigmoid' })]),
  ];
}

describe('round trip', () => {
  it('covers every kerno layer class, optimizer, loss and compile metric', () => {
    for (const name of LAYERS.keys()) expect(EXPORTABLE).toContain(name);
    const used = new Set(zoo().flatMap((m) => m.layers.map((l) => l.className)));
    for (const name of LAYERS.keys()) expect(used).toContain(name);
    expect([...OPTIMIZERS.keys()].length).toBeGreaterThanOrEqual(5);
    expect([...LOSSES.keys()].length).toBeGreaterThanOrEqual(5);
    expect([...METRICS.keys()].length).toBeGreaterThanOrEqual(10);
  });

  it('save → load → save is byte-identical and the loaded model predicts bitwise the same (uncompiled and compiled)', async () => {
    const [cnn, mlp, bin] = zoo();
    mlp.compile({ optimizer: new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5 }), momentum: 0.9 }), loss: 'categoricalCrossentropy', metrics: ['accuracy', 'precision'] });
    await mlp.fit(randomData([10, 6]), oneHot(10, 3), { epochs: 2, batchSize: 4, verbose: 0 });
    bin.compile({ optimizer: 'adamw', loss: 'binaryCrossentropy', metrics: ['accuracy', 'auc'] });
    const cases: [Sequential, number[]][] = [[cnn, [3, ...img]], [mlp, [5, 6]], [bin, [4, ...img]]];
    for (const [m, shape] of cases) {
      const a = m.toBuffer(), x = randomData(shape);
      const loaded = modelFromBuffer(a);
      expect(sameBytes(loaded.toBuffer(), a)).toBe(true);
      const [p, q] = [await m.predict(x, { verbose: 0 }), await loaded.predict(x, { verbose: 0 })];
      expect(sameBits(p.data as Float32Array, q.data as Float32Array)).toBe(true);
      expect(loaded.name).toBe(m.name);
      expect(loaded.layers.map((l) => l.name)).toEqual(m.layers.map((l) => l.name));
      expect(loaded.layers.map((l) => l.trainable)).toEqual(m.layers.map((l) => l.trainable));
    }
    const back = modelFromBuffer(mlp.toBuffer());
    expect(back.optimizer!.className).toBe('SGD');
    expect(back.optimizer!.iterations).toBe(mlp.optimizer!.iterations);
    expect(back.optimizer!.getConfig()).toEqual(mlp.optimizer!.getConfig());
    expect(back.loss!.getConfig()).toEqual(mlp.loss!.getConfig());
    expect(back.metrics.map((m) => m.name)).toEqual(['accuracy', 'precision']);
    expect(modelFromBuffer(bin.toBuffer()).optimizer!.getConfig()).toEqual(bin.optimizer!.getConfig());
  });

  it('round-trips every optimizer, loss and metric configuration', () => {
    const opts = [...OPTIMIZERS.values()].map((C) => new (C as unknown as new (a: object) => SGD)({ learningRate: 0.02, clipnorm: 1 }));
    opts.push(new SGD({ learningRate: new PiecewiseConstantDecay({ boundaries: [2, 5], values: [0.1, 0.05, 0.01] }) }));
    opts.push(new SGD({ learningRate: new CosineDecay({ initialLearningRate: 0.1, decaySteps: 10, warmupTarget: 0.2, warmupSteps: 2 }) }));
    for (const optimizer of opts) {
      for (const [lossName, Loss] of LOSSES) {
        const m = model([4], [new L.Dense({ units: 2, activation: lossName === 'CategoricalCrossentropy' ? 'softmax' : 'sigmoid' })]);
        const loss = new (Loss as unknown as new (a: object) => never)({});
        const metrics = lossName.includes('Sparse') ? [] : [...METRICS.values()].map((C) => new (C as unknown as new (a: object) => never)({}));
        m.compile({ optimizer, loss, metrics });
        const a = m.toBuffer(), back = modelFromBuffer(a);
        expect(sameBytes(back.toBuffer(), a)).toBe(true);
        expect(back.optimizer!.className).toBe(optimizer.className);
      }
    }
  });

  it('model.save writes the toBuffer bytes atomically; loadModel reads them; a failed save keeps the old file', async () => {
    const [, mlp] = zoo();
    mlp.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const path = join(dir, 'mlp.onnx');
    await mlp.save(path);
    expect(sameBytes(readFileSync(path), mlp.toBuffer())).toBe(true);
    const loaded = await loadModel(path);
    await loaded.save(path);
    expect(sameBytes(readFileSync(path), mlp.toBuffer())).toBe(true);
    // A save that fails (here: export of an unbuilt model) leaves the previous file whole and no temporary.
    const before = readFileSync(path);
    await expect(new Sequential([new L.Dense({ units: 2 })]).save(path)).rejects.toThrow(KernoError);
    await expect(mlp.save(join(dir, 'missing-folder', 'x.onnx'))).rejects.toThrow(/could not write/);
    expect(sameBytes(readFileSync(path), before)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await expect(mlp.save('')).rejects.toThrow(ValueError);
    expect(() => mlp.toBuffer({ opset: 16 })).toThrow(/option "opset" expected an integer from 17 to 21/);
    expect(() => mlp.toBuffer({ includeOptimizer: 'yes' as never })).toThrow(ValueError);
  });

  it('includeOptimizer false keeps the compile configuration but no optimizer state', async () => {
    const [, mlp] = zoo();
    mlp.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    mlp.trainOnBatch(randomData([4, 6]), oneHot(4, 3));
    const full = decodeModel(mlp.toBuffer()), lean = decodeModel(mlp.toBuffer({ includeOptimizer: false }));
    expect(full.trainingInfo).toHaveLength(1);
    expect(full.trainingInfo[0].algorithm!.initializer.map((t) => t.name)).toContain(`optimizer/${mlp.layers[0].name}/kernel/momentum`);
    expect(lean.trainingInfo).toHaveLength(0);
    expect(lean.metadataProps.map((e) => e.key)).toEqual(['kerno.model', 'kerno.compile']);
    const back = modelFromBuffer(mlp.toBuffer({ includeOptimizer: false }));
    expect(back.optimizer!.className).toBe('Adam');
    expect(back.optimizer!.iterations).toBe(0);
    expect(mlp.optimizer!.iterations).toBe(1);
    expect(modelFromBuffer(mlp.toBuffer(), { compile: false }).optimizer).toBeUndefined();
  });

  it('writes producer kerno with the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(PRODUCER_VERSION).toBe(pkg.version);
    const p = decodeModel(zoo()[1].toBuffer());
    expect([p.producerName, p.producerVersion]).toEqual(['kerno', pkg.version]);
  });

  it('names like __proto__ are data', () => {
    const m = model([3], [new L.Dense({ units: 2, name: '__proto__' }), new L.Dense({ units: 1, name: 'constructor' })]);
    const a = m.toBuffer(), back = modelFromBuffer(a);
    expect(back.layers.map((l) => l.name)).toEqual(['__proto__', 'constructor']);
    expect(sameBytes(back.toBuffer(), a)).toBe(true);
    expect(({} as Record<string, unknown>).units).toBeUndefined();
    writeFileSync(join(dir, 'proto.onnx'), a);
  });
});
