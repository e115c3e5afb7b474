/**
 * Weight initializers (Keras names). An initializer fills a weight when the model is built; the
 * random ones draw from the native Philox stream, so values depend only on (seed, weight) and
 * not on thread count.
 */
export interface Initializer {
  /** Keras class name, e.g. `'GlorotUniform'`. */
  readonly className: string;
  /**
   * Fills `out` (a weight of `shape`, Keras layout: Dense kernel `[in, out]`, Conv2D kernel
   * `[kh, kw, in, out]`). `seed` is the weight's seed, derived by the model from the global seed
   * (setSeed) or the layer's own `seed`.
   */
  fill(out: Float32Array, shape: readonly number[], seed: bigint): void;
  getConfig(): Record<string, unknown>;
}
