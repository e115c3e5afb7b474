// Keras streaming metrics against the real Keras (test/fixtures/keras_metrics_golden.json from
// scripts/fixtures/make_keras_metrics_golden.py): result() after each of three batches (the
// second sample-weighted, with ties, outputs exactly on thresholds and on an AUC bucket edge).
// Keras accumulates in float32 and kerno in double: atol 1e-6 + rtol 1e-5.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy } from '../../src/metrics/accuracy.js';
import { AUC, F1Score, Precision, Recall } from '../../src/metrics/confusionMetrics.js';
import type { Metric, MetricBatch } from '../../src/metrics/metric.js';
import { MeanAbsoluteError, MeanSquaredError } from '../../src/metrics/regression.js';
import { SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy } from '../../src/metrics/topKAccuracy.js';

interface GoldenBatch { batch: number; y_true: number[]; y_index: number[] | null; y_pred: number[]; sample_weight: number[] | null }
interface GoldenCase {
  name: string; dataset: string; targets: 'dense' | 'sparse'; metric: string; options: Record<string, unknown>;
  keras_name: string; results: (number | number[])[];
}
const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_metrics_golden.json', import.meta.url), 'utf8')) as {
  keras_version: string;
  datasets: Record<string, { classes: number; batches: GoldenBatch[] }>;
  cases: GoldenCase[];
};

const CLASSES: Record<string, new (o: never) => Metric> = {
  Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy, Precision, Recall, AUC, F1Score, MeanSquaredError, MeanAbsoluteError,
};

function batchOf(g: GoldenBatch, classes: number, sparse: boolean): MetricBatch {
  return {
    yTrue: Float32Array.from(sparse ? g.y_index! : g.y_true), yPred: Float32Array.from(g.y_pred), batch: g.batch, classes,
    sampleWeight: g.sample_weight ? Float32Array.from(g.sample_weight) : undefined,
  };
}

function close(got: number, want: number, what: string): void {
  expect(Math.abs(got - want), `${what}: ${got} vs Keras ${want}`).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(want));
}

describe(`Keras ${golden.keras_version} streaming metrics`, () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const data = golden.datasets[c.dataset];
    const perClass = Array.isArray(c.results[0]);
    // Keras's None average (per-class scores) is kerno's resultPerClass().
    const options = perClass ? { ...c.options, average: 'macro' } : c.options;
    const m = new CLASSES[c.metric](options as never);
    expect(m.name).toBe(c.keras_name.replace(/_\d+$/, ''));
    data.batches.forEach((g, b) => {
      m.update(batchOf(g, data.classes, c.targets === 'sparse'));
      const want = c.results[b];
      if (Array.isArray(want)) {
        const got = (m as F1Score).resultPerClass();
        want.forEach((w, k) => close(got[k], w, `${c.name} batch ${b} class ${k}`));
      } else {
        close(m.result(), want, `${c.name} batch ${b}`);
      }
    });
    m.reset();
    expect(m.result()).toBe(0);
  });

  it('gives the same results with one-hot or class-index targets', () => {
    const data = golden.datasets.categorical7;
    for (const make of [() => new Precision(), () => new AUC(), () => new F1Score(), () => new TopKCategoricalAccuracy({ k: 2 })]) {
      const dense = make(), sparse = make();
      for (const g of data.batches) {
        dense.update(batchOf(g, data.classes, false));
        sparse.update(batchOf(g, data.classes, true));
      }
      expect(sparse.result()).toBeCloseTo(dense.result(), 12);
    }
  });
});
