// Losses through the binding on every backend: per-sample values against float64 formulas
// (kernels.h, Keras 3), gradients against central finite differences of the kernel's own
// forward, sample weights and the "sum over batch size" reduction. Keras's exact edge
// behaviour (clipping, normalisation of unnormalised probabilities) is pinned by the golden
// values in keras_activation_loss.test.ts; here predictions stay where those details agree.
//
// Tolerances: values atol 1e-5 + rtol 1e-5 (float32 logs/exps of O(1) numbers). Finite
// differences: h = 1e-3 on probabilities kept in [0.1, 0.9] (and logits in [-3, 3]): truncation
// h²/6·|f'''| ≤ 1e-6·2/0.1³/6 ≈ 3e-4 relative to gradients of O(1/B), rounding of the float32
// losses ≈ 1e-7·|loss|/h ≈ 3e-4; checked at atol 1e-3 + rtol 5e-3.
import { describe, expect, it } from 'vitest';
import { type LossName, lossBackward, lossForward } from '../../src/native.js';
import { expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

const B = 6, C = 5;
const EPS = 1e-7;

const clip = (p: number) => Math.min(Math.max(p, EPS), 1 - EPS);
const row = (x: ArrayLike<number>, i: number) => Array.from({ length: C }, (_, c) => x[i * C + c]);
const logSumExp = (z: number[]) => {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
};
const smoothCat = (t: number[], ls: number) => t.map((v) => v * (1 - ls) + ls / C);
const smoothBin = (t: number[], ls: number) => t.map((v) => v * (1 - ls) + 0.5 * ls);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;

/** Per-sample loss in float64 (p: one row of pred, t: its target row or [class]). */
const REFERENCE: Record<LossName, (p: number[], t: number[], ls: number) => number> = {
  categoricalCrossentropy: (p, t, ls) => {
    const s = p.reduce((a, b) => a + b, 0);
    return -smoothCat(t, ls).reduce((acc, tc, c) => acc + tc * Math.log(clip(p[c] / s)), 0);
  },
  softmaxCrossentropy: (z, t, ls) => {
    const lse = logSumExp(z);
    return -smoothCat(t, ls).reduce((acc, tc, c) => acc + tc * (z[c] - lse), 0);
  },
  sparseCategoricalCrossentropy: (p, t) => -Math.log(clip(p[t[0]])),
  sparseSoftmaxCrossentropy: (z, t) => logSumExp(z) - z[t[0]],
  binaryCrossentropy: (p, t, ls) =>
    mean(smoothBin(t, ls).map((tc, c) => -(tc * Math.log(clip(p[c])) + (1 - tc) * Math.log(1 - clip(p[c]))))),
  sigmoidCrossentropy: (z, t, ls) =>
    mean(smoothBin(t, ls).map((tc, c) => Math.max(z[c], 0) - z[c] * tc + Math.log1p(Math.exp(-Math.abs(z[c]))))),
  meanSquaredError: (p, t) => mean(p.map((v, c) => (v - t[c]) ** 2)),
  meanAbsoluteError: (p, t) => mean(p.map((v, c) => Math.abs(v - t[c]))),
  // Keras's default delta = 1 (the wrapper's default too).
  huber: (p, t) => mean(p.map((v, c) => { const e = Math.abs(v - t[c]); return e <= 1 ? 0.5 * e * e : e - 0.5; })),
};

const SPARSE = new Set<LossName>(['sparseCategoricalCrossentropy', 'sparseSoftmaxCrossentropy']);
const LOGITS = new Set<LossName>(['softmaxCrossentropy', 'sparseSoftmaxCrossentropy', 'sigmoidCrossentropy']);
const SMOOTHABLE = ['categoricalCrossentropy', 'softmaxCrossentropy', 'binaryCrossentropy', 'sigmoidCrossentropy'];

/** Predictions and targets a loss of this kind expects, away from clips and kinks. */
function data(kind: LossName, seed: number): { pred: Float32Array; target: Float32Array } {
  const labels = Float32Array.from({ length: B }, (_, i) => (i * 3 + seed) % C);
  if (kind === 'meanSquaredError' || kind === 'meanAbsoluteError' || kind === 'huber') {
    const pred = rand(B * C, seed, -2, 2), target = rand(B * C, seed + 1, -2, 2);
    // MAE has a kink at pred = target, Huber at |pred − target| = 1: keep 0.05 away from both.
    for (let i = 0; i < pred.length; i++) {
      if (Math.abs(pred[i] - target[i]) < 0.05) pred[i] = target[i] + 0.05;
      if (Math.abs(Math.abs(pred[i] - target[i]) - 1) < 0.05) pred[i] = target[i] + 0.5;
    }
    return { pred, target };
  }
  let pred: Float32Array;
  if (LOGITS.has(kind)) pred = rand(B * C, seed, -3, 3);
  else if (kind === 'binaryCrossentropy') pred = rand(B * C, seed, 0.1, 0.9);
  else {
    // Probability rows that sum to 1 with every entry ≥ 0.1.
    pred = rand(B * C, seed, 0.5, 1.5);
    for (let i = 0; i < B; i++) {
      const s = row(pred, i).reduce((a, b) => a + b, 0);
      for (let c = 0; c < C; c++) pred[i * C + c] = 0.1 + 0.5 * (pred[i * C + c] / s);
    }
    for (let i = 0; i < B; i++) {
      const s = row(pred, i).reduce((a, b) => a + b, 0);
      for (let c = 0; c < C; c++) pred[i * C + c] /= s;
    }
  }
  if (SPARSE.has(kind)) return { pred, target: labels };
  if (kind === 'binaryCrossentropy' || kind === 'sigmoidCrossentropy') return { pred, target: rand(B * C, seed + 2, 0, 1) };
  // Soft categorical targets (rows summing to 1), one row one-hot.
  const target = rand(B * C, seed + 2, 0, 1);
  for (let i = 0; i < B; i++) {
    const s = row(target, i).reduce((a, b) => a + b, 0);
    for (let c = 0; c < C; c++) target[i * C + c] = i === 0 ? (c === 2 ? 1 : 0) : target[i * C + c] / s;
  }
  return { pred, target };
}

const KINDS = Object.keys(REFERENCE) as LossName[];
const CASES: [string, LossName, number][] = [
  ...KINDS.map((k) => [k, k, 0] as [string, LossName, number]),
  ...SMOOTHABLE.map((k) => [`${k} labelSmoothing=0.1`, k, 0.1] as [string, LossName, number]),
];

describe.each(hostBackends)('losses on $name', ({ index }) => {
  describe.each(CASES)('%s', (_label, kind, labelSmoothing) => {
    const { pred, target } = data(kind, 3);
    const targetRow = (i: number) => (SPARSE.has(kind) ? [target[i]] : row(target, i));

    it('forward gives the per-sample float64 value', () => {
      const loss = new Float32Array(B).fill(NaN);
      lossForward(kind, { pred, target, loss, batch: B, classes: C, labelSmoothing, backend: index });
      const want = Array.from({ length: B }, (_, i) => REFERENCE[kind](row(pred, i), targetRow(i), labelSmoothing));
      expectClose(loss, want, 1e-5, 1e-5, 'loss');
    });

    it('backward is the finite-difference gradient of Σ w·loss / B, weighted or not', () => {
      const weight = rand(B, 8, 0.2, 2);
      for (const w of [null, weight]) {
        const p = pred.slice(), loss = new Float32Array(B);
        const f = () => {
          lossForward(kind, { pred: p, target, loss, batch: B, classes: C, labelSmoothing, backend: index });
          let s = 0;
          for (let i = 0; i < B; i++) s += (w ? w[i] : 1) * loss[i];
          return s / B;
        };
        const dpred = new Float32Array(B * C).fill(NaN); // written, not accumulated
        lossBackward(kind, { pred: p, target, weight: w, dpred, batch: B, classes: C, labelSmoothing, backend: index });
        expectClose(dpred, finiteDiff(p, 1e-3, f), 1e-3, 5e-3, w ? 'weighted' : 'unweighted');
      }
    });
  });

  it('softmax crossentropy stays finite for huge logits', () => {
    const pred = new Float32Array([1000, -1000, 0, 500, 2000, 2001]);
    const target = new Float32Array([0, 1, 0, 0, 0, 1]);
    const loss = lossForward('softmaxCrossentropy', { pred, target, batch: 2, classes: 3, backend: index });
    expectClose(loss, [2000, Math.log1p(Math.exp(-1))], 1e-3, 1e-6, 'huge logits');
    const d = lossBackward('softmaxCrossentropy', { pred, target, batch: 2, classes: 3, backend: index });
    for (const v of d) expect(Number.isFinite(v)).toBe(true);
  });

  it('probability losses clip predictions of exactly 0 and 1 instead of returning Infinity', () => {
    const pred = new Float32Array([0, 1, 1, 0]);
    const target = new Float32Array([1, 0, 1, 0]);
    const loss = lossForward('binaryCrossentropy', { pred, target, batch: 1, classes: 4, backend: index });
    // Keras clips to [1e-7, 1 − 1e-7]: two terms of −log(1e-7) ≈ 16.1, two of ≈ 1e-7, averaged.
    expect(loss[0]).toBeGreaterThan(7.5);
    expect(loss[0]).toBeLessThan(8.5);
  });
});
