// Float64 reference implementations of the layers' forward passes (channels-last, TensorFlow's
// 'same' padding), written independently of the kernels for the value tests.

/** erf to ~1e-15 (series for small |x|, continued fraction tail otherwise). */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // Maclaurin series: 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = ax, sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz), accurate for |x| >= 2.5
  let f = ax, C = ax, D = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    D = ax + a * D; D = 1 / D;
    C = ax + a / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

export const ACT: Record<string, (x: number, alpha?: number) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: (x) => Math.tanh(x),
  leakyRelu: (x, a = 0.2) => (x >= 0 ? x : a * x),
  elu: (x, a = 1) => (x > 0 ? x : a * (Math.exp(x) - 1)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  softplus: (x) => Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0),
  silu: (x) => x / (1 + Math.exp(-x)),
  swish: (x) => x / (1 + Math.exp(-x)),
};

/** Applies an activation by name in place; softmax over rows of `cols`. */
export function applyActivation(name: string, y: Float64Array, cols: number): Float64Array {
  if (name === 'softmax') {
    for (let r = 0; r < y.length; r += cols) {
      let m = -Infinity, s = 0;
      for (let c = 0; c < cols; c++) m = Math.max(m, y[r + c]);
      for (let c = 0; c < cols; c++) s += Math.exp(y[r + c] - m);
      for (let c = 0; c < cols; c++) y[r + c] = Math.exp(y[r + c] - m) / s;
    }
    return y;
  }
  const f = ACT[name];
  for (let i = 0; i < y.length; i++) y[i] = f(y[i]);
  return y;
}

/** out (rows, U) = x (rows, I) · W (I, U) + b. */
export function denseRef(x: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number> | null, rows: number, I: number, U: number): Float64Array {
  const y = new Float64Array(rows * U);
  for (let r = 0; r < rows; r++)
    for (let u = 0; u < U; u++) {
      let s = b ? b[u] : 0;
      for (let i = 0; i < I; i++) s += x[r * I + i] * W[i * U + u];
      y[r * U + u] = s;
    }
  return y;
}

export interface Geo {
  B: number; H: number; W: number; C: number; KH: number; KW: number;
  sh: number; sw: number; dh: number; dw: number; padding: 'valid' | 'same';
}

/** Output size and leading pad of one axis, as TensorFlow. */
export function axisGeo(n: number, k: number, s: number, d: number, padding: 'valid' | 'same'): [number, number] {
  const extent = (k - 1) * d + 1;
  if (padding === 'valid') return [Math.floor((n - extent) / s) + 1, 0];
  const out = Math.ceil(n / s);
  return [out, Math.floor(Math.max((out - 1) * s + extent - n, 0) / 2)];
}

/**
 * Generic window loop: calls visit(b, oy, ox, ky, kx, iy, ix) for every in-bounds tap; returns
 * the output size.
 */
function windows(g: Geo, visit: (b: number, oy: number, ox: number, ky: number, kx: number, iy: number, ix: number) => void): [number, number] {
  const [OH, pt] = axisGeo(g.H, g.KH, g.sh, g.dh, g.padding);
  const [OW, pl] = axisGeo(g.W, g.KW, g.sw, g.dw, g.padding);
  for (let b = 0; b < g.B; b++)
    for (let oy = 0; oy < OH; oy++)
      for (let ox = 0; ox < OW; ox++)
        for (let ky = 0; ky < g.KH; ky++)
          for (let kx = 0; kx < g.KW; kx++) {
            const iy = oy * g.sh + ky * g.dh - pt, ix = ox * g.sw + kx * g.dw - pl;
            if (iy >= 0 && iy < g.H && ix >= 0 && ix < g.W) visit(b, oy, ox, ky, kx, iy, ix);
          }
  return [OH, OW];
}

/** Conv2D: kernel (KH,KW,C,F), out (B,OH,OW,F). */
export function conv2dRef(x: ArrayLike<number>, k: ArrayLike<number>, bias: ArrayLike<number> | null, g: Geo, F: number): Float64Array {
  const [OH, OW] = [axisGeo(g.H, g.KH, g.sh, g.dh, g.padding)[0], axisGeo(g.W, g.KW, g.sw, g.dw, g.padding)[0]];
  const y = new Float64Array(g.B * OH * OW * F);
  windows(g, (b, oy, ox, ky, kx, iy, ix) => {
    for (let c = 0; c < g.C; c++)
      for (let f = 0; f < F; f++)
        y[((b * OH + oy) * OW + ox) * F + f] += x[((b * g.H + iy) * g.W + ix) * g.C + c] * k[((ky * g.KW + kx) * g.C + c) * F + f];
  });
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[i % F];
  return y;
}

/** DepthwiseConv2D: kernel (KH,KW,C,M), out channel c·M + m. */
export function depthwiseRef(x: ArrayLike<number>, k: ArrayLike<number>, bias: ArrayLike<number> | null, g: Geo, M: number): Float64Array {
  const [OH, OW] = [axisGeo(g.H, g.KH, g.sh, g.dh, g.padding)[0], axisGeo(g.W, g.KW, g.sw, g.dw, g.padding)[0]];
  const CM = g.C * M, y = new Float64Array(g.B * OH * OW * CM);
  windows(g, (b, oy, ox, ky, kx, iy, ix) => {
    for (let c = 0; c < g.C; c++)
      for (let m = 0; m < M; m++)
        y[((b * OH + oy) * OW + ox) * CM + c * M + m] += x[((b * g.H + iy) * g.W + ix) * g.C + c] * k[((ky * g.KW + kx) * g.C + c) * M + m];
  });
  if (bias) for (let i = 0; i < y.length; i++) y[i] += bias[i % CM];
  return y;
}

/** Max or average pooling (padding skipped; average over in-bounds taps). */
export function poolRef(kind: 'max' | 'avg', x: ArrayLike<number>, g: Geo): Float64Array {
  const [OH, OW] = [axisGeo(g.H, g.KH, g.sh, 1, g.padding)[0], axisGeo(g.W, g.KW, g.sw, 1, g.padding)[0]];
  const y = new Float64Array(g.B * OH * OW * g.C).fill(kind === 'max' ? -Infinity : 0);
  const count = new Float64Array(g.B * OH * OW);
  windows({ ...g, dh: 1, dw: 1 }, (b, oy, ox, _ky, _kx, iy, ix) => {
    const o = (b * OH + oy) * OW + ox;
    count[o]++;
    for (let c = 0; c < g.C; c++) {
      const v = x[((b * g.H + iy) * g.W + ix) * g.C + c];
      y[o * g.C + c] = kind === 'max' ? Math.max(y[o * g.C + c], v) : y[o * g.C + c] + v;
    }
  });
  if (kind === 'avg') for (let i = 0; i < y.length; i++) y[i] /= count[Math.floor(i / g.C)];
  return y;
}

/** Batch statistics over rows of (N, C): mean and biased variance. */
export function moments(x: ArrayLike<number>, N: number, C: number): { mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(C), variance = new Float64Array(C);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) mean[c] += x[n * C + c] / N;
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) variance[c] += (x[n * C + c] - mean[c]) ** 2 / N;
  return { mean, variance };
}

export function batchnormRef(x: ArrayLike<number>, N: number, C: number, mean: ArrayLike<number>, variance: ArrayLike<number>,
  gamma: ArrayLike<number> | null, beta: ArrayLike<number> | null, eps: number): Float64Array {
  const y = new Float64Array(N * C);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      y[n * C + c] = ((x[n * C + c] - mean[c]) / Math.sqrt(variance[c] + eps)) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
  return y;
}
