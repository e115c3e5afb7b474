/**
 * The training loop's semantics: convergence, one step against a float64 hand computation,
 * batching (partial last batch, validation split), class weights, History, and trainable flags.
 */
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { classWeightsToSampleWeights } from '../../src/engine/validate.js';
import { Dense } from '../../src/layers/dense.js';
import { SGD } from '../../src/optimizers/index.js';
import { l2 } from '../../src/regularizers.js';
import { tensor } from '../../src/tensor.js';
import { bitwiseEqual, blobs, mlp, rng, snapshot } from './helpers.js';

describe('fit', () => {
  it('reduces the loss and separates a separable problem', async () => {
    const { x, y } = blobs(240, 4, 3);
    const model = mlp(4, 16, 3);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
    const loss = h.history.loss;
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] * 0.5);
    expect(h.history.accuracy[h.history.accuracy.length - 1]).toBeGreaterThan(0.95);
    const [evalLoss, evalAcc] = (await model.evaluate(x, y, { verbose: 0 })) as number[];
    expect(evalAcc).toBeGreaterThan(0.95);
    expect(evalLoss).toBeLessThan(loss[0]);
  });

  it('one SGD step matches a float64 hand computation (weights, sample weights, L2 penalty)', () => {
    const B = 5, I = 3, H = 4, C = 3, lr = 0.1, lam = 0.01;
    const r = rng(3);
    const rand = (n: number, s = 1): Float64Array => Float64Array.from({ length: n }, () => (r() - 0.5) * 2 * s);
    const W1 = rand(I * H, 0.8), b1 = rand(H, 0.1), W2 = rand(H * C, 0.8), b2 = rand(C, 0.1);
    const x = rand(B * I, 1.5), sw = Float64Array.from({ length: B }, () => 0.25 + r() * 2);
    const labels = [0, 2, 1, 2, 0];
    const y = new Float64Array(B * C);
    labels.forEach((c, i) => (y[i * C + c] = 1));
    const f32 = (a: Float64Array): Float32Array => Float32Array.from(a);
    // The model sees float32 copies; the reference computes in float64 from those same values.
    const [W1f, b1f, W2f, b2f, xf, swf] = [W1, b1, W2, b2, x, sw].map((a) => Float64Array.from(f32(a)));

    const model = new Sequential([
      new Dense({ units: H, activation: 'relu', inputShape: [I], kernelRegularizer: l2(lam) }),
      new Dense({ units: C, activation: 'softmax' }),
    ]);
    model.setWeights([f32(W1), f32(b1), f32(W2), f32(b2)]);
    model.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'categoricalCrossentropy' });
    const reported = model.trainOnBatch(tensor(f32(x), [B, I]), tensor(Float32Array.from(y), [B, C]), { sampleWeight: f32(sw) }) as number;

    // Reference forward.
    const pre = new Float64Array(B * H), h = new Float64Array(B * H), z = new Float64Array(B * C), p = new Float64Array(B * C);
    let loss = 0;
    for (let i = 0; i < B; i++) {
      for (let j = 0; j < H; j++) {
        let s = b1f[j];
        for (let k = 0; k < I; k++) s += xf[i * I + k] * W1f[k * H + j];
        pre[i * H + j] = s;
        h[i * H + j] = Math.max(0, s);
      }
      let m = -Infinity;
      for (let c = 0; c < C; c++) {
        let s = b2f[c];
        for (let j = 0; j < H; j++) s += h[i * H + j] * W2f[j * C + c];
        z[i * C + c] = s;
        m = Math.max(m, s);
      }
      let denom = 0;
      for (let c = 0; c < C; c++) denom += Math.exp(z[i * C + c] - m);
      for (let c = 0; c < C; c++) p[i * C + c] = Math.exp(z[i * C + c] - m) / denom;
      loss += swf[i] * -Math.log(p[i * C + labels[i]]);
    }
    let penalty = 0;
    for (const v of W1f) penalty += lam * v * v;
    const expectedLoss = loss / B + penalty;
    // Reference backward: dz = w (p − y) / B, then the chain rule.
    const dz = new Float64Array(B * C), dh = new Float64Array(B * H);
    const dW1 = new Float64Array(I * H), db1 = new Float64Array(H), dW2 = new Float64Array(H * C), db2 = new Float64Array(C);
    for (let i = 0; i < B; i++) for (let c = 0; c < C; c++) dz[i * C + c] = (swf[i] * (p[i * C + c] - y[i * C + c])) / B;
    for (let i = 0; i < B; i++) {
      for (let c = 0; c < C; c++) {
        db2[c] += dz[i * C + c];
        for (let j = 0; j < H; j++) dW2[j * C + c] += h[i * H + j] * dz[i * C + c];
      }
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let c = 0; c < C; c++) s += dz[i * C + c] * W2f[j * C + c];
        dh[i * H + j] = pre[i * H + j] > 0 ? s : 0;
        db1[j] += dh[i * H + j];
        for (let k = 0; k < I; k++) dW1[k * H + j] += xf[i * I + k] * dh[i * H + j];
      }
    }
    for (let k = 0; k < I * H; k++) dW1[k] += 2 * lam * W1f[k];
    const expected = [W1f.map((v, k) => v - lr * dW1[k]), b1f.map((v, k) => v - lr * db1[k]),
      W2f.map((v, k) => v - lr * dW2[k]), b2f.map((v, k) => v - lr * db2[k])];

    expect(Math.abs(reported - expectedLoss)).toBeLessThan(1e-5 * expectedLoss);
    model.getWeights().forEach((w, i) => {
      w.data.forEach((v, k) => expect(Math.abs(v - expected[i][k]), `weight ${i}[${k}]`).toBeLessThan(2e-6));
    });
  });

  it('keeps the last partial batch and equals trainOnBatch over the same batches in order', async () => {
    const { x, y } = blobs(10, 3, 2, 5);
    const a = mlp(3, 5, 2, 11), b = mlp(3, 5, 2, 11);
    expect(bitwiseEqual(snapshot(a), snapshot(b))).toBe(true);
    a.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    b.compile({ optimizer: new SGD({ learningRate: 0.05, momentum: 0.9 }), loss: 'categoricalCrossentropy' });
    let batches = 0;
    const h = await a.fit(x, y, { batchSize: 4, epochs: 1, shuffle: false, verbose: 0, callbacks: [{ onTrainBatchEnd: () => void batches++ }] });
    expect(batches).toBe(3);
    expect(h.params).toEqual({ verbose: 0, epochs: 1, steps: 3 });
    const losses = [[0, 4], [4, 8], [8, 10]].map(([s, e]) => b.trainOnBatch(x.slice(s, e), y.slice(s, e)) as number);
    expect(bitwiseEqual(snapshot(a), snapshot(b))).toBe(true);
    // The epoch loss weights each batch by its size (Keras's loss tracker).
    const weighted = (losses[0] * 4 + losses[1] * 4 + losses[2] * 2) / 10;
    expect(h.history.loss[0]).toBeCloseTo(weighted, 6);
  });

  it('validationSplit holds out the last fraction before shuffling', async () => {
    const { x, y } = blobs(40, 3, 2, 9);
    const model = mlp(3, 5, 2);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    let steps = 0;
    const h = await model.fit(x, y, {
      batchSize: 8, epochs: 1, validationSplit: 0.25, verbose: 0, callbacks: [{ onTrainBatchEnd: () => void steps++ }],
    });
    expect(steps).toBe(4); // 30 training samples: 8, 8, 8, 6
    const [valLoss, valAcc] = (await model.evaluate(x.slice(30), y.slice(30), { verbose: 0 })) as number[];
    expect(h.history.val_loss[0]).toBeCloseTo(valLoss, 6);
    expect(h.history.val_accuracy[0]).toBeCloseTo(valAcc, 6);
  });

  it('classWeight equals the equivalent sampleWeight, bit for bit', async () => {
    const { x, y, labels } = blobs(30, 3, 3, 4);
    const classWeight = { 0: 0.5, 2: 3 };
    const sampleWeight = Float32Array.from(labels, (c) => (c === 0 ? 0.5 : c === 2 ? 3 : 1));
    const run = async (opts: object) => {
      const m = mlp(3, 6, 3, 21);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
      const h = await m.fit(x, y, { batchSize: 7, epochs: 3, verbose: 0, ...opts });
      return { w: snapshot(m), h: h.history };
    };
    const a = await run({ classWeight }), b = await run({ sampleWeight }), c = await run({});
    expect(bitwiseEqual(a.w, b.w)).toBe(true);
    expect(a.h).toEqual(b.h);
    expect(bitwiseEqual(a.w, c.w)).toBe(false);
  });

  it('turns class weights into sample weights as Keras (argmax, (N,1) squeeze, missing classes weigh 1)', () => {
    const oneHot = tensor([[0, 1, 0], [1, 0, 0], [0, 0, 1]]);
    expect([...classWeightsToSampleWeights({ 1: 4, 2: 0.5 }, oneHot, 'w')]).toEqual([4, 1, 0.5]);
    const column = tensor([[1], [0], [1]]);
    expect([...classWeightsToSampleWeights({ 1: 2 }, column, 'w')]).toEqual([2, 1, 2]);
    const indices = tensor(Int32Array.from([2, 0]));
    expect([...classWeightsToSampleWeights({ 0: 3 }, indices, 'w')]).toEqual([1, 3]);
  });

  it('returns a History with Keras keys, 0-based epochs from initialEpoch, and params', async () => {
    const { x, y } = blobs(20, 3, 2, 2);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(x, y, { batchSize: 6, epochs: 4, initialEpoch: 1, validationData: [x, y], verbose: 0 });
    expect(Object.keys(h.history)).toEqual(['accuracy', 'loss', 'val_accuracy', 'val_loss']);
    expect(h.epoch).toEqual([1, 2, 3]);
    expect(h.params).toEqual({ verbose: 0, epochs: 4, steps: 4 });
    expect(h.history.loss).toHaveLength(3);
    expect(model.history).toBe(h);
    for (const v of Object.values(h.history).flat()) expect(Number.isFinite(v)).toBe(true);
  });

  it('repacks when a layer is frozen after compile: its weights stop changing', async () => {
    const { x, y } = blobs(16, 3, 2, 6);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    model.layers[0].trainable = false;
    const before = snapshot(model);
    await model.fit(x, y, { epochs: 2, verbose: 0 });
    const after = snapshot(model);
    expect(bitwiseEqual(before.slice(0, 2), after.slice(0, 2))).toBe(true);
    expect(bitwiseEqual(before.slice(2), after.slice(2))).toBe(false);
    expect(model.trainableWeights).toHaveLength(2);
    expect(model.nonTrainableWeights).toHaveLength(2);
  });

  it('trains on uint8 inputs and sparse int labels (converted per batch)', async () => {
    const n = 60, r = rng(8);
    const x = new Uint8Array(n * 4), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      for (let f = 0; f < 4; f++) x[i * 4 + f] = Math.floor((y[i] === f % 2 ? 150 : 30) + r() * 60);
    }
    const model = new Sequential([new Dense({ units: 2, activation: 'softmax', inputShape: [4] })]);
    model.compile({ optimizer: new SGD({ learningRate: 1e-4 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await model.fit(tensor(x, [n, 4]), tensor(y), { epochs: 20, batchSize: 10, verbose: 0 });
    expect(h.history.accuracy[19]).toBeGreaterThan(0.9);
  });
});

describe('predict and the batch methods', () => {
  it('predict in batches equals predictOnBatch on the whole set', async () => {
    const { x } = blobs(23, 3, 2, 12);
    const model = mlp(3, 4, 2);
    const all = model.predictOnBatch(x);
    const batched = await model.predict(x, { batchSize: 5, verbose: 0 });
    expect(batched.shape).toEqual([23, 2]);
    batched.data.forEach((v, i) => expect(v).toBeCloseTo(all.data[i], 6));
  });

  it('testOnBatch reports loss and metrics without changing weights; evaluate returns the loss alone without metrics', async () => {
    const { x, y } = blobs(12, 3, 2, 13);
    const model = mlp(3, 4, 2);
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const before = snapshot(model);
    const r = model.testOnBatch(x, y, { returnDict: true }) as Record<string, number>;
    expect(Object.keys(r)).toEqual(['accuracy', 'loss']);
    expect(bitwiseEqual(before, snapshot(model))).toBe(true);
    const m2 = mlp(3, 4, 2);
    m2.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
    expect(typeof (await m2.evaluate(x, y, { verbose: 0 }))).toBe('number');
  });

  it('getWeights/setWeights round-trip and countParams', () => {
    const model = mlp(3, 4, 2);
    expect(model.countParams()).toBe(3 * 4 + 4 + 4 * 2 + 2);
    const w = model.getWeights();
    expect(w.map((t) => t.shape)).toEqual([[3, 4], [4], [4, 2], [2]]);
    const other = mlp(3, 4, 2, 99);
    other.setWeights(w);
    expect(bitwiseEqual(snapshot(other), snapshot(model))).toBe(true);
  });
});
