// getMetric against what Keras's compile does (the "compile" section of
// test/fixtures/keras_metrics_golden.json, recorded from real fits): 'accuracy' resolution, log
// keys, directions; plus the batch validation every Keras metric shares.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { getLoss } from '../../src/losses/index.js';
import { CategoricalAccuracy } from '../../src/metrics/accuracy.js';
import { getMetric, metricNames, type MetricIdentifier } from '../../src/metrics/kerasMetrics.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_metrics_golden.json', import.meta.url), 'utf8')) as {
  compile: {
    accuracy_resolution: { loss: string; classes: number; accuracy_class: string; acc_class: string }[];
    log_keys_for: string[]; log_keys: string[]; compile_metrics_ignore_sample_weight: boolean;
    direction: Record<string, 'up' | 'down'>;
  };
};

const LOSS: Record<string, Parameters<typeof getLoss>[0]> = {
  categorical_crossentropy: 'categoricalCrossentropy', sparse_categorical_crossentropy: 'sparseCategoricalCrossentropy',
  binary_crossentropy: 'binaryCrossentropy', mse: 'mse',
};
// Keras's snake_case metric strings → kerno's camelCase identifiers.
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, ch: string) => ch.toUpperCase()) as MetricIdentifier;

describe('getMetric resolves as Keras compile does', () => {
  it.each(golden.compile.accuracy_resolution.map((r) => [`${r.loss} with ${r.classes} outputs`, r] as const))(
    "'accuracy' and 'acc' for %s", (_n, r) => {
      const loss = getLoss(LOSS[r.loss]);
      const acc = getMetric('accuracy', loss, [r.classes]);
      expect(acc.constructor.name).toBe(r.accuracy_class);
      expect(acc.name).toBe('accuracy');
      const short = getMetric('acc', loss, [r.classes]);
      expect(short.constructor.name).toBe(r.acc_class);
      expect(short.name).toBe('acc');
    });

  it('logs each metric under the key Keras uses for the same string', () => {
    const loss = getLoss('categoricalCrossentropy');
    const keys = golden.compile.log_keys_for.map((k) => getMetric(camel(k), loss, [4]).name);
    expect(keys).toEqual(golden.compile.log_keys_for);
    expect(new Set([...keys, 'loss'])).toEqual(new Set(golden.compile.log_keys));
  });

  it("declares Keras's direction for each metric", () => {
    const loss = getLoss('categoricalCrossentropy');
    for (const [k, dir] of Object.entries(golden.compile.direction))
      expect(getMetric(camel(k), loss, [4]).direction, k).toBe(dir === 'up' ? 'max' : 'min');
  });

  it('pins that Keras compile metrics ignore sample weights (the engine passes none)', () => {
    expect(golden.compile.compile_metrics_ignore_sample_weight).toBe(true);
  });

  it('resolves every listed name, returns instances as they are and rejects unknown names', () => {
    const loss = getLoss('sparseCategoricalCrossentropy');
    for (const n of metricNames) expect(getMetric(n, loss, [10]).name.length).toBeGreaterThan(0);
    const m = new CategoricalAccuracy({ name: 'acc_top1' });
    expect(getMetric(m, loss, [10])).toBe(m);
    expect(() => getMetric('f1' as never, loss, [10])).toThrow(ValueError);
    expect(() => getMetric('hinge' as never, loss, [10])).toThrow(/compile: option "metrics" expected a Metric or one of 'accuracy', 'acc'/);
  });
});

describe('batch validation', () => {
  const m = () => new CategoricalAccuracy();
  const yPred = new Float32Array(6);
  it('accepts one-hot (batch × classes) and index (batch) targets only', () => {
    m().update({ yTrue: new Float32Array(6), yPred, batch: 2, classes: 3 });
    m().update({ yTrue: new Float32Array(2), yPred, batch: 2, classes: 3 });
    expect(() => m().update({ yTrue: new Float32Array(4), yPred, batch: 2, classes: 3 })).toThrow(ShapeError);
    expect(() => m().update({ yTrue: new Float32Array(6), yPred: new Float32Array(5), batch: 2, classes: 3 }))
      .toThrow(/"yPred" expected a Float32Array of 6 elements/);
    expect(() => m().update({ yTrue: new Float32Array(6), yPred, batch: 2, classes: 3, sampleWeight: new Float32Array(3) }))
      .toThrow(/sampleWeight/);
  });

  it('returns 0 before any update and after zero total weight (divide_no_nan)', () => {
    const a = m();
    expect(a.result()).toBe(0);
    a.update({ yTrue: new Float32Array(2), yPred, batch: 2, classes: 3, sampleWeight: new Float32Array(2) });
    expect(a.result()).toBe(0);
  });
});
