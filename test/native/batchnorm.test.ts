// BatchNormalization through the binding on every host backend: training and inference forward
// against float64 Keras formulas (biased batch variance, eps inside the root, moving statistics
// updated with momentum), backward against the closed form and against central finite
// differences of f = Σ out·r over the kernel's own training forward (gradients flow through the
// batch statistics).
//
// Tolerances: the kernels accumulate statistics in double and round once to float32, so values
// of magnitude ≤ 4 are checked at atol 2e-6 + rtol 2e-6. Finite differences use h = 1e-2: f is
// smooth but not linear; its rounding (≈ 36 outputs × 6e-8 × |out·r| ≤ 1e-5) over 2h and the
// O(h²) truncation (< 1e-4 here) stay below atol 2e-3.
import { describe, expect, it } from 'vitest';
import { batchnormBackward, batchnormForwardInfer, batchnormForwardTrain } from '../../src/nativeLayers.js';
import { dot, expectClose, finiteDiff, hostBackends, rand } from './helpers.js';

function stats(x: ArrayLike<number>, N: number, C: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let r = 0; r < N; r++) for (let c = 0; c < C; c++) mean[c] += x[r * C + c] / N;
  for (let r = 0; r < N; r++) for (let c = 0; c < C; c++) variance[c] += (x[r * C + c] - mean[c]) ** 2 / N;
  return { mean, variance };
}

describe.each(hostBackends)('batchnorm on $name', ({ index }) => {
  const N = 12, C = 3, eps = 1e-3, momentum = 0.9;
  const x = rand(N * C, 61, -2, 2), gamma = rand(C, 62, 0.5, 1.5), beta = rand(C, 63), r = rand(N * C, 64);
  const base = { rows: N, channels: C, epsilon: eps, backend: index };
  const { mean, variance } = stats(x, N, C);
  const xhat = Float64Array.from(x, (v, i) => (v - mean[i % C]) / Math.sqrt(variance[i % C] + eps));

  it('training forward normalises with batch statistics and updates the moving ones', () => {
    const mm0 = rand(C, 65), mv0 = rand(C, 66, 0.5, 2);
    const movingMean = mm0.slice(), movingVar = mv0.slice(), savedMean = new Float32Array(C), savedInvstd = new Float32Array(C);
    const out = batchnormForwardTrain({ ...base, inp: x, gamma, beta, momentum, movingMean, movingVar, savedMean, savedInvstd });
    expectClose(out, xhat.map((v, i) => v * gamma[i % C] + beta[i % C]), 2e-6, 2e-6, 'out');
    expectClose(savedMean, mean, 2e-6, 2e-6, 'savedMean');
    expectClose(savedInvstd, variance.map((v) => 1 / Math.sqrt(v + eps)), 2e-6, 2e-6, 'savedInvstd');
    expectClose(movingMean, mean.map((m, c) => mm0[c] * momentum + m * (1 - momentum)), 2e-6, 2e-6, 'movingMean');
    // Keras uses the biased variance for the moving statistic too.
    expectClose(movingVar, variance.map((v, c) => mv0[c] * momentum + v * (1 - momentum)), 2e-6, 2e-6, 'movingVar');
    // scale/center false: gamma 1, beta 0; default momentum 0.99 applies.
    const mm = mm0.slice();
    expectClose(batchnormForwardTrain({ ...base, inp: x, movingMean: mm }), xhat, 2e-6, 2e-6, 'no affine');
    expectClose(mm, mean.map((m, c) => mm0[c] * 0.99 + m * 0.01), 2e-6, 2e-6, 'default momentum');
  });

  it('inference forward uses the moving statistics', () => {
    const movingMean = rand(C, 67), movingVar = rand(C, 68, 0.5, 2);
    const want = Float64Array.from(x, (v, i) => (v - movingMean[i % C]) / Math.sqrt(movingVar[i % C] + eps) * gamma[i % C] + beta[i % C]);
    expectClose(batchnormForwardInfer({ ...base, inp: x, gamma, beta, movingMean, movingVar }), want, 2e-6, 2e-6, 'infer');
  });

  it('backward matches the closed form and accumulates', () => {
    const savedMean = new Float32Array(C), savedInvstd = new Float32Array(C);
    batchnormForwardTrain({ ...base, inp: x, gamma, beta, savedMean, savedInvstd });
    const dbeta = new Float64Array(C), dgamma = new Float64Array(C);
    for (let i = 0; i < N * C; i++) { dbeta[i % C] += r[i]; dgamma[i % C] += r[i] * xhat[i]; }
    const wantDinp = Float64Array.from(r, (g, i) => {
      const c = i % C;
      return 1 + gamma[c] / Math.sqrt(variance[c] + eps) * (g - dbeta[c] / N - xhat[i] * dgamma[c] / N);
    });
    const dinp = new Float32Array(N * C).fill(1), dg = new Float32Array(C).fill(1), db = new Float32Array(C).fill(1);
    batchnormBackward({ ...base, dout: r, inp: x, gamma, savedMean, savedInvstd, dinp, dgamma: dg, dbeta: db });
    expectClose(dinp, wantDinp, 2e-6, 2e-6, 'dinp');
    expectClose(dg, dgamma.map((v) => v + 1), 2e-6, 2e-6, 'dgamma');
    expectClose(db, dbeta.map((v) => v + 1), 2e-6, 2e-6, 'dbeta');
  });

  it('gradients agree with finite differences of the training forward', () => {
    const xx = x.slice(), gg = gamma.slice(), bb = beta.slice(), out = new Float32Array(N * C);
    // No moving statistics: each evaluation of f must see the same state.
    const f = () => dot(batchnormForwardTrain({ ...base, inp: xx, gamma: gg, beta: bb, out }), r);
    const savedMean = new Float32Array(C), savedInvstd = new Float32Array(C);
    batchnormForwardTrain({ ...base, inp: xx, gamma: gg, beta: bb, savedMean, savedInvstd });
    const dinp = new Float32Array(N * C), dgamma = new Float32Array(C), dbeta = new Float32Array(C);
    batchnormBackward({ ...base, dout: r, inp: xx, gamma: gg, savedMean, savedInvstd, dinp, dgamma, dbeta });
    expectClose(dinp, finiteDiff(xx, 1e-2, f), 2e-3, 0, 'dinp vs FD');
    expectClose(dgamma, finiteDiff(gg, 1e-2, f), 2e-3, 0, 'dgamma vs FD');
    expectClose(dbeta, finiteDiff(bb, 1e-2, f), 2e-3, 0, 'dbeta vs FD');
  });

  it('many rows (threaded chunks) match float64', () => {
    const n = 1037, c = 5, big = rand(n * c, 69, -3, 5);
    const s = stats(big, n, c);
    const want = Float64Array.from(big, (v, i) => (v - s.mean[i % c]) / Math.sqrt(s.variance[i % c] + 1e-3));
    expectClose(batchnormForwardTrain({ rows: n, channels: c, inp: big, backend: index }), want, 1e-5, 1e-5, 'big');
  });

  it('refuses training statistics over zero rows', () => {
    expect(() => batchnormForwardTrain({ rows: 0, channels: 2, inp: new Float32Array(0), backend: index })).toThrow(/at least 1 row/);
  });
});
