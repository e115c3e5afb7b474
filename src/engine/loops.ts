/**
 * The fit, evaluate and predict loops and the batch methods, following Keras 3
 * (keras/src/backend/tensorflow/trainer.py, trainers/epoch_iterator.py, trainers/data_adapters):
 *
 * - fit: on_train_begin → per epoch (reset metrics, on_epoch_begin → per batch
 *   on_train_batch_begin, step, on_train_batch_end with running logs, stop if
 *   `model.stopTraining`) → validation through evaluate with the same callbacks (on_test_*) →
 *   on_epoch_end(epoch, logs + val_*) → stop if `model.stopTraining` → on_train_end(last logs).
 *   Epochs run from `initialEpoch` to `epochs − 1` (0-based in hooks).
 * - validationSplit takes the last fraction of the arrays before any shuffling; classWeight
 *   turns into per-sample weights for training only; sampleWeight and classWeight together are
 *   an error, as in Keras.
 * - With stepsPerEpoch, an epoch continues where the previous one stopped and ends early at the
 *   end of the data (Keras's epoch iterator); a new pass reshuffles.
 *
 * The loops yield to the event loop (setImmediate) whenever 10 ms passed since the last yield,
 * so timers and I/O keep running during a long fit.
 */
import type { Logs } from '../callbacks/callback.js';
import { CallbackList, type CallbackLike } from '../callbacks/callbackList.js';
import { KernoError, ValueError, expectedMessage } from '../errors.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { ArrayBatches, type Dataset, fillLoose, isBatch, isDataset, iterate } from './dataAdapter.js';
import { History } from './history.js';
import type { Core, Model } from './model.js';
import type { Plan } from './plan.js';
import { ProgbarLogger } from './progbar.js';
import { type Arrays, ArraySource, DatasetSource, type Source, loadArrays, warnRanOut } from './sources.js';
import { inferBatch } from './step.js';
import {
  type ClassWeight, arg, checkFinite, checkInputShape, classWeightsToSampleWeights, mismatch,
  nonNegativeInt, opt, positiveInt, samples, verbosity,
} from './validate.js';

/** Validation data: `[x, y]`, `[x, y, sampleWeight]`, or a dataset of batches. */
export type ValidationData = readonly [TensorLike, TensorLike] | readonly [TensorLike, TensorLike, TensorLike] | Dataset;

export interface FitDatasetArgs {
  /** Index of the last epoch + 1 (Keras: not a count from `initialEpoch`). Defaults to `1`. */
  epochs?: number;
  /** 0 = silent, 1 = progress bar, 2 = one line per epoch, `'auto'` = 1. Defaults to `'auto'`. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Callbacks (Callback instances or objects of hook functions), run in order. Defaults to none. */
  callbacks?: readonly CallbackLike[];
  /** Data to evaluate after each epoch (logged with `val_` keys). Defaults to none. */
  validationData?: ValidationData;
  /** Epoch to start at (0-based; for resuming). Defaults to `0`. */
  initialEpoch?: number;
  /** Batches per epoch; an epoch continues where the previous one stopped. Defaults to the whole data. */
  stepsPerEpoch?: number;
  /** Batch size of array validation data. Defaults to `batchSize` (32 for datasets). */
  validationBatchSize?: number;
  /** Validate every n-th epoch, or at the listed 1-based epochs. Defaults to `1`. */
  validationFreq?: number | readonly number[];
}

export interface FitArgs extends FitDatasetArgs {
  /** Samples per gradient step, from 1 to the whole dataset. Defaults to `32`. */
  batchSize?: number;
  /** Fraction of the data, taken from the end before shuffling, held out for validation. Defaults to `0` (none); ignored with validationData. */
  validationSplit?: number;
  /** Reshuffle the training samples before each epoch. Defaults to `true`. */
  shuffle?: boolean;
  /** Weight of each class in the loss, e.g. `{0: 1, 1: 5}`; missing classes weigh 1. Training only. Defaults to none. */
  classWeight?: ClassWeight;
  /** Weight of each sample in the loss (shape [N]). Defaults to none. */
  sampleWeight?: TensorLike;
}

export interface EvaluateDatasetArgs {
  /** 0 = silent, 1 = progress bar, 2 = one line, `'auto'` = 1. Defaults to `'auto'`. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Callbacks receiving the test hooks. Defaults to none. */
  callbacks?: readonly CallbackLike[];
  /** Return `{loss, ...metrics}` instead of a number or list. Defaults to `false`. */
  returnDict?: boolean;
}

export interface EvaluateArgs extends EvaluateDatasetArgs {
  /** Defaults to `32`. */
  batchSize?: number;
  /** Weight of each sample in the loss (shape [N]). Defaults to none. */
  sampleWeight?: TensorLike;
}

export interface PredictArgs {
  /** Defaults to `32`. */
  batchSize?: number;
  /** 0 = silent, 1 = progress bar, 2 = one line, `'auto'` = 1. Defaults to `'auto'`. */
  verbose?: 0 | 1 | 2 | 'auto';
  /** Callbacks receiving the predict hooks. Defaults to none. */
  callbacks?: readonly CallbackLike[];
}

export interface TestOnBatchArgs {
  /** Weight of each sample in the loss. Defaults to none. */
  sampleWeight?: TensorLike;
  /** Return `{loss, ...metrics}`. Defaults to `false`. */
  returnDict?: boolean;
}

export interface TrainOnBatchArgs extends TestOnBatchArgs {
  /** Weight of each class in the loss; exclusive with sampleWeight. Defaults to none. */
  classWeight?: ClassWeight;
}

function dataTensor(x: unknown, method: string): Tensor | undefined {
  return isDataset(x) ? undefined : samples(x, arg(method, 'x'));
}

function options<T extends object>(v: unknown, method: string): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ValueError(expectedMessage(`${method}: argument "args"`, 'an options object', v));
  return v as T;
}

function bool(where: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v === 'boolean') return v;
  throw new ValueError(expectedMessage(where, 'a boolean', v));
}

// ------------------------------------------------------------------------------ helpers

/** Models inside fit: a second concurrent fit on one model would interleave two trainings. */
const fitting = new WeakSet<Model>();

const yieldNow = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const YIELD_MS = 10;

/** Keras `_should_eval`: 1-based epoch divisible by an integer frequency, or listed. */
function shouldEval(epoch: number, freq: number | readonly number[]): boolean {
  return typeof freq === 'number' ? (epoch + 1) % freq === 0 : freq.includes(epoch + 1);
}

function sortedLogs(logs: Logs): Logs {
  const out: Logs = {};
  for (const k of Object.keys(logs).sort()) out[k] = logs[k];
  return out;
}

/** Keras `_flatten_metrics_in_order`: loss, then metrics in compile order; a lone loss as a number. */
function flatten(core: Core, logs: Logs, returnDict: boolean): number | number[] | Record<string, number> {
  if (returnDict) return logs;
  const values = [logs.loss, ...core.runner.metrics.map((m) => logs[m.name])];
  return values.length === 1 ? values[0] : values;
}

function callbackList(model: Model, callbacks: unknown, verbose: number, where: string, history?: History): CallbackList {
  const extra = [];
  if (history) extra.push(history);
  // As Keras's CallbackList: a ProgbarLogger among the user's callbacks replaces the default one.
  const own = Array.isArray(callbacks) && callbacks.some((c) => c instanceof ProgbarLogger);
  if (verbose && !own) extra.push(new ProgbarLogger());
  const list = new CallbackList(callbacks as readonly CallbackLike[] | undefined, extra, where);
  list.setModel(model);
  return list;
}

// ------------------------------------------------------------------------------ evaluation

/** Runs one pass of `source` in inference mode with the test hooks; returns the logs. */
async function testLoop(core: Core, source: Source, cbs: CallbackList, clock: { last: number }): Promise<Logs> {
  const runner = core.runner;
  let r = cbs.onTestBegin();
  if (r) await r;
  runner.resetMetrics();
  const begin = cbs.has('onTestBatchBegin'), end = cbs.has('onTestBatchEnd');
  source.begin();
  try {
    for (let step = 0; ; step++) {
      const p = source.next();
      const plan = p instanceof Promise ? await p : p;
      if (plan === null) break;
      if (begin && (r = cbs.onTestBatchBegin(step))) await r;
      runner.test(plan, source.weighted);
      if (end && (r = cbs.onTestBatchEnd(step, runner.results()))) await r;
      if (performance.now() - clock.last >= YIELD_MS) {
        await yieldNow();
        clock.last = performance.now();
      }
    }
  } finally {
    source.close();
  }
  const logs = runner.results();
  if ((r = cbs.onTestEnd(logs))) await r;
  return logs;
}

function validationSource(core: Core, data: unknown, batchSize: number): Source {
  const method = 'fit';
  // An array is the [x, y] / [x, y, w] tuple unless its first element is itself a batch.
  const batches = Array.isArray(data) ? isBatch(data[0]) : isDataset(data);
  if (batches) return new DatasetSource(data as Dataset, core, undefined, opt(method, 'validationData'));
  if (!Array.isArray(data) || (data.length !== 2 && data.length !== 3)) {
    throw new ValueError(expectedMessage(opt(method, 'validationData'), '[x, y], [x, y, sampleWeight] or a dataset of batches', data));
  }
  const a = loadArrays(core, method, data[0], data[1], data[2], 'validationData[0]', 'validationData[1]', 'validationData[2]');
  return new ArraySource(new ArrayBatches(a.x, a.y, a.w, batchSize), core.plans, undefined, undefined);
}

export async function evaluate(model: Model, x: unknown, yOrArgs: unknown, maybeArgs: unknown): Promise<number | number[] | Record<string, number>> {
  const method = 'evaluate';
  const dataset = isDataset(x);
  const args = options<EvaluateArgs>(dataset ? yOrArgs : maybeArgs, method);
  const batchSize = args.batchSize === undefined ? 32 : positiveInt(opt(method, 'batchSize'), args.batchSize);
  const verbose = verbosity(opt(method, 'verbose'), args.verbose);
  const returnDict = bool(opt(method, 'returnDict'), args.returnDict, false);
  const core = model.core(method, dataTensor(x, method));
  let source: Source;
  if (dataset) {
    source = new DatasetSource(x, core, undefined, arg(method, 'dataset'));
  } else {
    const a = loadArrays(core, method, x, yOrArgs, args.sampleWeight);
    source = new ArraySource(new ArrayBatches(a.x, a.y, a.w, batchSize), core.plans, undefined, undefined);
  }
  const cbs = callbackList(model, args.callbacks, verbose, opt(method, 'callbacks'));
  cbs.setParams({ verbose, epochs: 1, steps: source.steps });
  const logs = await testLoop(core, source, cbs, { last: performance.now() });
  return flatten(core, logs, returnDict);
}

// ------------------------------------------------------------------------------ fit

export async function fit(model: Model, x: unknown, yOrArgs: unknown, maybeArgs: unknown): Promise<History> {
  const method = 'fit';
  const dataset = isDataset(x);
  const args = options<FitArgs>(dataset ? yOrArgs : maybeArgs, method);
  const batchSize = args.batchSize === undefined ? 32 : positiveInt(opt(method, 'batchSize'), args.batchSize);
  const epochs = args.epochs === undefined ? 1 : nonNegativeInt(opt(method, 'epochs'), args.epochs);
  const verbose = verbosity(opt(method, 'verbose'), args.verbose);
  const initialEpoch = args.initialEpoch === undefined ? 0 : nonNegativeInt(opt(method, 'initialEpoch'), args.initialEpoch);
  const stepsPerEpoch = args.stepsPerEpoch === undefined ? undefined : positiveInt(opt(method, 'stepsPerEpoch'), args.stepsPerEpoch);
  const shuffle = bool(opt(method, 'shuffle'), args.shuffle, true);
  const validationBatchSize = args.validationBatchSize === undefined ? batchSize
    : positiveInt(opt(method, 'validationBatchSize'), args.validationBatchSize);
  const freq = args.validationFreq ?? 1;
  if (!(typeof freq === 'number' ? Number.isSafeInteger(freq) && freq >= 1 : Array.isArray(freq) && freq.every((e) => Number.isSafeInteger(e) && e >= 1))) {
    throw new ValueError(expectedMessage(opt(method, 'validationFreq'), 'a positive integer or an array of 1-based epochs', freq));
  }
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || !(split >= 0 && split < 1)) {
    throw new ValueError(expectedMessage(opt(method, 'validationSplit'), 'a number in (0, 1) (0 for none)', split));
  }
  if (args.classWeight !== undefined && args.sampleWeight !== undefined) {
    throw new ValueError(mismatch(opt(method, 'classWeight'), 'no sampleWeight alongside (Keras accepts one of them)',
      'both classWeight and sampleWeight', 'Multiply the class weights into sampleWeight instead.'));
  }
  if (dataset) {
    for (const k of ['batchSize', 'validationSplit', 'classWeight', 'sampleWeight', 'shuffle'] as const) {
      if (args[k] !== undefined && !(k === 'validationSplit' && split === 0)) {
        throw new ValueError(mismatch(opt(method, k), 'no value when x is a dataset', `${k} = ${String(args[k])}`,
          k === 'sampleWeight' ? 'Yield {x, y, sampleWeight} batches instead.' : 'The dataset decides batching and order.'));
      }
    }
  }

  const core = model.core(method, dataTensor(x, method));
  let source: Source;
  let validation: Source | undefined;
  if (dataset) {
    source = new DatasetSource(x, core, stepsPerEpoch, arg(method, 'dataset'));
  } else {
    const a = loadArrays(core, method, x, yOrArgs, args.sampleWeight);
    let { x: xt, y: yt, w } = a;
    if (split > 0 && args.validationData === undefined) {
      // Keras train_validation_split: the last fraction, before any shuffling.
      const n = xt.shape[0], at = Math.floor(n * (1 - split));
      if (at === 0 || at === n) {
        throw new ValueError(mismatch(opt(method, 'validationSplit'), `a split leaving samples on both sides (${n} samples)`,
          `${split}, which puts ${n - at} in validation`, 'Provide more data or another validationSplit.'));
      }
      validation = new ArraySource(new ArrayBatches(xt.slice(at), yt.slice(at), w?.subarray(at), validationBatchSize),
        core.plans, undefined, undefined);
      xt = xt.slice(0, at);
      yt = yt.slice(0, at);
      w = w?.subarray(0, at);
    }
    if (args.classWeight !== undefined) w = classWeightsToSampleWeights(args.classWeight, yt, opt(method, 'classWeight'));
    source = new ArraySource(new ArrayBatches(xt, yt, w, batchSize), core.plans, shuffle ? core.shuffleKey : undefined, stepsPerEpoch);
  }
  if (args.validationData !== undefined) validation = validationSource(core, args.validationData, validationBatchSize);

  if (fitting.has(model)) {
    throw new KernoError(`fit: model "${model.name}" is already training; await the running fit before starting another.`);
  }
  const history = new History();
  model.history = history;
  const cbs = callbackList(model, args.callbacks, verbose, opt(method, 'callbacks'), history);
  cbs.setParams({ verbose, epochs, steps: source.steps });
  fitting.add(model);
  try {
    await trainLoop(core, source, validation, cbs, { initialEpoch, epochs, freq });
  } finally {
    fitting.delete(model);
    source.close();
  }
  return history;
}

async function trainLoop(core: Core, source: Source, validation: Source | undefined, cbs: CallbackList,
  o: { initialEpoch: number; epochs: number; freq: number | readonly number[] }): Promise<void> {
  const { model, runner } = core;
  model.stopTraining = false;
  model.resumeEpoch = undefined;
  let r = cbs.onTrainBegin();
  if (r) await r;
  // BackupAndRestore moves the start to the epoch after the last backed-up one (Keras `_initial_epoch`).
  const start = model.resumeEpoch ?? o.initialEpoch;
  model.resumeEpoch = undefined;
  const begin = cbs.has('onTrainBatchBegin'), end = cbs.has('onTrainBatchEnd');
  const clock = { last: performance.now() };
  let trainingLogs: Logs = {};
  for (let epoch = start; epoch < o.epochs; epoch++) {
    runner.resetMetrics();
    if ((r = cbs.onEpochBegin(epoch))) await r;
    source.begin();
    let steps = 0;
    for (;;) {
      const p = source.next();
      const plan = p instanceof Promise ? await p : p;
      if (plan === null) break;
      if (begin && (r = cbs.onTrainBatchBegin(steps))) await r;
      runner.train(plan, source.weighted);
      core.stepDone();
      if (end && (r = cbs.onTrainBatchEnd(steps, runner.results()))) await r;
      steps++;
      if (model.stopTraining) break;
      if (performance.now() - clock.last >= YIELD_MS) {
        await yieldNow();
        clock.last = performance.now();
      }
    }
    if (steps === 0) {
      // An exhausted generator: nothing more to train on (Keras interrupts training too).
      warnRanOut();
      break;
    }
    const logs = runner.results();
    if (validation && shouldEval(epoch, o.freq)) {
      const val = await testLoop(core, validation, cbs, clock);
      for (const [k, v] of Object.entries(val)) logs[`val_${k}`] = v;
    }
    trainingLogs = sortedLogs(logs);
    if ((r = cbs.onEpochEnd(epoch, trainingLogs))) await r;
    if (model.stopTraining) break;
  }
  if ((r = cbs.onTrainEnd(trainingLogs))) await r;
}

// ------------------------------------------------------------------------------ predict

export async function predict(model: Model, x: unknown, argsIn: unknown): Promise<Tensor> {
  const method = 'predict';
  const args = options<PredictArgs>(argsIn, method);
  const batchSize = args.batchSize === undefined ? 32 : positiveInt(opt(method, 'batchSize'), args.batchSize);
  const verbose = verbosity(opt(method, 'verbose'), args.verbose);
  const dataset = isDataset(x);
  const xt = dataset ? undefined : samples(x, arg(method, 'x'));
  const { plans, inputShape, firstLayer } = model.inferencePlans(xt, method);
  const outShape = model.outputShape!;
  const C = outShape.reduce((a, b) => a * b, 1);
  const cbs = callbackList(model, args.callbacks, verbose, opt(method, 'callbacks'));
  const wantOutputs = cbs.has('onPredictBatchEnd');
  const clock = { last: performance.now() };
  const layers = model.layers;
  const chunks: Float32Array[] = [];
  let out: Float32Array | undefined;
  let total = 0;

  let nextX: () => Promise<Tensor | null> | Tensor | null;
  let steps: number | null = null;
  if (xt) {
    checkInputShape(xt, inputShape, firstLayer, arg(method, 'x'));
    checkFinite(xt, arg(method, 'x'));
    const batches = new ArrayBatches(xt, undefined, undefined, batchSize);
    out = new Float32Array(xt.shape[0] * C);
    steps = batches.numBatches;
    let b = 0;
    nextX = () => (b < batches.numBatches ? xt.slice(b * batchSize, Math.min(xt.shape[0], ++b * batchSize)) : null);
  } else {
    const it = iterate(x as Dataset);
    let count = 0;
    nextX = async () => {
      const r = await it.next();
      if (r.done) return null;
      const v = r.value as unknown;
      const where = `${arg(method, 'dataset')} (batch ${count++})`;
      // A batch may be x alone, {x, ...}, or an [x, y] tuple whose x is a Tensor or typed array.
      const raw = v instanceof Tensor || ArrayBuffer.isView(v) ? v
        : Array.isArray(v) && (v[0] instanceof Tensor || ArrayBuffer.isView(v[0])) ? v[0]
          : v !== null && typeof v === 'object' && !Array.isArray(v) && 'x' in v ? (v as { x: unknown }).x : v;
      const t = samples(raw, where);
      checkInputShape(t, inputShape, firstLayer, where);
      checkFinite(t, where);
      return t;
    };
  }
  cbs.setParams({ verbose, epochs: 1, steps });
  let r = cbs.onPredictBegin();
  if (r) await r;
  for (let step = 0; ; step++) {
    const p = nextX();
    const batch = p instanceof Promise ? await p : p;
    if (batch === null) break;
    const n = batch.shape[0];
    if (n === 0) continue;
    const plan = plans.get(n);
    const data = batch.data;
    if (data instanceof Float32Array) plan.x.set(data);
    else for (let i = 0; i < data.length; i++) plan.x[i] = data[i];
    if ((r = cbs.onPredictBatchBegin(step))) await r;
    inferBatch(layers, plan);
    let view: Float32Array;
    if (out) {
      view = out.subarray(total * C, (total + n) * C);
      view.set(plan.output);
    } else {
      view = plan.output.slice();
      chunks.push(view);
    }
    total += n;
    if (wantOutputs && (r = cbs.onPredictBatchEnd(step, { outputs: new Tensor(view, [n, ...outShape]) }))) await r;
    if (performance.now() - clock.last >= YIELD_MS) {
      await yieldNow();
      clock.last = performance.now();
    }
  }
  if ((r = cbs.onPredictEnd())) await r;
  if (!out) {
    out = new Float32Array(total * C);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
  }
  return new Tensor(out, [total, ...outShape]);
}

// ------------------------------------------------------------------------------ batch methods

function batchPlan(core: Core, a: Arrays): Plan {
  const plan = core.plans.get(a.x.shape[0]);
  fillLoose(plan, { x: a.x, y: a.y, sampleWeight: a.w });
  return plan;
}

export function trainOnBatch(model: Model, x: TensorLike, y: TensorLike, argsIn: unknown): number | number[] | Record<string, number> {
  const method = 'trainOnBatch';
  const args = options<TrainOnBatchArgs>(argsIn, method);
  if (args.classWeight !== undefined && args.sampleWeight !== undefined) {
    throw new ValueError(mismatch(opt(method, 'classWeight'), 'no sampleWeight alongside (Keras accepts one of them)', 'both'));
  }
  const returnDict = bool(opt(method, 'returnDict'), args.returnDict, false);
  const core = model.core(method, samples(x, arg(method, 'x')));
  const a = loadArrays(core, method, x, y, args.sampleWeight);
  if (args.classWeight !== undefined) a.w = classWeightsToSampleWeights(args.classWeight, a.y, opt(method, 'classWeight'));
  const plan = batchPlan(core, a);
  core.runner.resetMetrics();
  core.runner.train(plan, a.w !== undefined);
  core.stepDone();
  return flatten(core, core.runner.results(), returnDict);
}

export function testOnBatch(model: Model, x: TensorLike, y: TensorLike, argsIn: unknown): number | number[] | Record<string, number> {
  const method = 'testOnBatch';
  const args = options<TestOnBatchArgs>(argsIn, method);
  const returnDict = bool(opt(method, 'returnDict'), args.returnDict, false);
  const core = model.core(method, samples(x, arg(method, 'x')));
  const a = loadArrays(core, method, x, y, args.sampleWeight);
  const plan = batchPlan(core, a);
  core.runner.resetMetrics();
  core.runner.test(plan, a.w !== undefined);
  return flatten(core, core.runner.results(), returnDict);
}

export function predictOnBatch(model: Model, x: TensorLike): Tensor {
  const method = 'predictOnBatch';
  const xt = samples(x, arg(method, 'x'));
  const { plans, inputShape, firstLayer } = model.inferencePlans(xt, method);
  checkInputShape(xt, inputShape, firstLayer, arg(method, 'x'));
  checkFinite(xt, arg(method, 'x'));
  if (xt.shape[0] === 0) throw new KernoError(mismatch(arg(method, 'x'), 'at least one sample', 'an empty batch'));
  const plan = plans.get(xt.shape[0]);
  const data = xt.data;
  if (data instanceof Float32Array) plan.x.set(data);
  else for (let i = 0; i < data.length; i++) plan.x[i] = data[i];
  inferBatch(model.layers, plan);
  return new Tensor(plan.output.slice(), [xt.shape[0], ...model.outputShape!]);
}
