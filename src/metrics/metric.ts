/**
 * Keras-style streaming metrics, updated batch by batch during fit/evaluate and read as epoch
 * values. Each declares whether higher is better so callbacks in mode 'auto' can tell.
 */
export interface MetricBatch {
  /** Targets as given to fit: one-hot (B, C), indices (B), or elementwise (B, C). */
  readonly yTrue: Float32Array;
  /** Model outputs (B, C) — probabilities, or logits when the loss has `fromLogits`. */
  readonly yPred: Float32Array;
  readonly batch: number;
  /** Output features per sample (C). */
  readonly classes: number;
  /** Per-sample weights (B) or undefined. Keras does not weight metrics by class_weight. */
  readonly sampleWeight?: Float32Array;
}

export abstract class Metric {
  /** Log key, e.g. `'accuracy'`, `'precision'` (validation adds `val_`). */
  readonly name: string;
  /** `'max'` when higher is better (accuracy), `'min'` otherwise (mse). */
  abstract readonly direction: 'max' | 'min';

  constructor(name: string) {
    this.name = name;
  }

  abstract reset(): void;
  abstract update(b: MetricBatch): void;
  abstract result(): number;
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}
