/**
 * `getMetric`: resolves the metric names `compile` accepts to Keras streaming metrics, with the
 * log key Keras would use. As in keras/src/trainers/compile_utils.py:
 * - a name logs under itself in Keras's snake_case (`'categoricalAccuracy'` →
 *   `categorical_accuracy`, `'acc'` → `acc`, `'mse'` → `mse`); an instance logs under its `name`;
 * - `'accuracy'` / `'acc'` pick the accuracy from the shapes: BinaryAccuracy when the output has
 *   one column, SparseCategoricalAccuracy when the targets are class indices (a sparse loss),
 *   CategoricalAccuracy otherwise (so a multi-column binary crossentropy gets categorical
 *   accuracy, as in Keras 3).
 * Keras updates compile metrics without sample weights (only `weighted_metrics` see them).
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { Loss } from '../losses/loss.js';
import { BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy } from './accuracy.js';
import { AUC, F1Score, Precision, Recall } from './confusionMetrics.js';
import { Metric } from './metric.js';
import { MeanAbsoluteError, MeanSquaredError } from './regression.js';
import { SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy } from './topKAccuracy.js';

/** Metric names `compile` accepts (Keras's, in camelCase, and the aliases `acc`, `mse`, `mae`). */
export type MetricIdentifier =
  | 'accuracy' | 'acc' | 'categoricalAccuracy' | 'sparseCategoricalAccuracy' | 'binaryAccuracy'
  | 'topKCategoricalAccuracy' | 'sparseTopKCategoricalAccuracy' | 'precision' | 'recall' | 'auc' | 'f1Score'
  | 'mse' | 'mae' | 'meanSquaredError' | 'meanAbsoluteError';

type Factory = (name: string) => Metric;

// Each name → [Keras's log key, factory]. 'accuracy'/'acc' are resolved from the loss and shape.
const FACTORIES: Readonly<Record<Exclude<MetricIdentifier, 'accuracy' | 'acc'>, readonly [string, Factory]>> = {
  categoricalAccuracy: ['categorical_accuracy', (name) => new CategoricalAccuracy({ name })],
  sparseCategoricalAccuracy: ['sparse_categorical_accuracy', (name) => new SparseCategoricalAccuracy({ name })],
  binaryAccuracy: ['binary_accuracy', (name) => new BinaryAccuracy({ name })],
  topKCategoricalAccuracy: ['top_k_categorical_accuracy', (name) => new TopKCategoricalAccuracy({ name })],
  sparseTopKCategoricalAccuracy: ['sparse_top_k_categorical_accuracy', (name) => new SparseTopKCategoricalAccuracy({ name })],
  precision: ['precision', (name) => new Precision({ name })],
  recall: ['recall', (name) => new Recall({ name })],
  auc: ['auc', (name) => new AUC({ name })],
  f1Score: ['f1_score', (name) => new F1Score({ name })],
  mse: ['mse', (name) => new MeanSquaredError({ name })],
  mae: ['mae', (name) => new MeanAbsoluteError({ name })],
  meanSquaredError: ['mean_squared_error', (name) => new MeanSquaredError({ name })],
  meanAbsoluteError: ['mean_absolute_error', (name) => new MeanAbsoluteError({ name })],
};

/** The names `getMetric` accepts. */
export const metricNames: readonly MetricIdentifier[] = Object.freeze(['accuracy', 'acc', ...Object.keys(FACTORIES)] as MetricIdentifier[]);

/**
 * Resolves a metric name to a new Keras streaming metric (log key as Keras's), or returns a
 * Metric instance as it is.
 *
 * @param loss - The compiled loss: a sparse loss means class-index targets.
 * @param outputShape - The model's output shape without the batch dimension, e.g. `[10]`.
 * @param where - Names the argument in error messages. Defaults to `compile: option "metrics"`.
 * @throws ValueError listing the valid names for anything else.
 */
export function getMetric(nameOrInstance: MetricIdentifier | Metric, loss: Loss, outputShape: readonly number[],
  where = 'compile: option "metrics"'): Metric {
  if (nameOrInstance instanceof Metric) return nameOrInstance;
  if (nameOrInstance === 'accuracy' || nameOrInstance === 'acc') {
    const name = nameOrInstance;
    if (outputShape[outputShape.length - 1] === 1) return new BinaryAccuracy({ name });
    if (loss.targetKind === 'sparse') return new SparseCategoricalAccuracy({ name });
    return new CategoricalAccuracy({ name });
  }
  if (typeof nameOrInstance === 'string' && Object.hasOwn(FACTORIES, nameOrInstance)) {
    const [name, make] = FACTORIES[nameOrInstance as keyof typeof FACTORIES];
    return make(name);
  }
  throw new ValueError(expectedMessage(where, `a Metric or one of ${metricNames.map((n) => `'${n}'`).join(', ')}`, nameOrInstance));
}

