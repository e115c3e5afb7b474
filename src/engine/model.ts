/**
 * Model: the Keras training API over a stack of layers — compile, fit, evaluate, predict, the
 * batch methods, weights and summary. Sequential supplies the layers.
 *
 * What the model owns: one parameter arena and one gradient arena (src/engine/arena.ts), the
 * optimizer's slots over them, and per-batch-size plans of every activation buffer
 * (src/engine/plan.ts). Users never dispose anything; a training step allocates nothing.
 *
 * The loops live in src/engine/loops.ts; this file prepares their state and validates arguments.
 */
import { KernoError, ShapeError, ValueError, expectedMessage } from '../errors.js';
import { Huber } from '../losses/huber.js';
import { Loss } from '../losses/loss.js';
import { getLoss, type LossIdentifier } from '../losses/index.js';
import { Metric } from '../metrics/metric.js';
import { getMetric, type MetricIdentifier } from '../metrics/kerasMetrics.js';
import { resolveBackend } from '../native.js';
import { convAddon } from '../nativeConv.js';
import { FusedOptimizer } from '../optimizers/fusedOptimizer.js';
import { Optimizer } from '../optimizers/optimizer.js';
import { getOptimizer, type OptimizerIdentifier } from '../optimizers/index.js';
import { deriveSeed, layerKey, layerStream, nextSeed, stepSeed, weightSeed } from '../random.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { type SaveOptions, modelToBuffer, saveModel, saveWeights } from '../io/onnx/save.js';
import { loadWeights } from '../io/onnx/weights.js';
import { ParamArena } from './arena.js';
import {
  type DeviceName, HOST_MEMORY, ModelDevice, checkDeviceOptimizer, deviceName, globalDeviceName, resolveDevice,
} from './device.js';
import type { Dataset } from './dataAdapter.js';
import type { History } from './history.js';
import type { Layer } from './layer.js';
import * as loops from './loops.js';
import { PlanCache, sizeOf } from './plan.js';
import { StepRunner } from './step.js';
import { renderSummary } from './summary.js';
import { type TargetSpec, arg, mismatch, samples, shapeText } from './validate.js';
import type { Weight } from './weight.js';

export interface CompileArgs {
  /**
   * Optimizer name (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`, `'adagrad'`, with Keras's defaults)
   * or instance. Defaults to `'rmsprop'`, as Keras.
   */
  optimizer?: OptimizerIdentifier | Optimizer;
  /** Loss name (e.g. `'categoricalCrossentropy'`) or instance. Required to train or evaluate. */
  loss: LossIdentifier | Loss;
  /**
   * Metrics to log, by name or instance. `'accuracy'` resolves to categorical, sparse or binary
   * accuracy from the loss, as Keras. Defaults to none (only `loss` is logged).
   */
  metrics?: readonly (MetricIdentifier | Metric)[];
  /**
   * Where the model trains and predicts: `'cpu'`; `'cuda'`, a CUDA device, where parameters,
   * gradients, optimizer state and activations stay on the device for the whole fit (a
   * ValueError when no CUDA device is found); or `'auto'`, CUDA when a device is found and the
   * CPU otherwise (with a one-line notice). Defaults to the global setting of `setBackend`,
   * itself `'cpu'` by default. Only the built-in optimizers run on a device: with a custom
   * `Optimizer` subclass `'cuda'` is a ValueError and `'auto'` uses the CPU. A model that was never
   * compiled predicts on the CPU.
   */
  device?: DeviceName;
}

export type {
  FitArgs, FitDatasetArgs, EvaluateArgs, EvaluateDatasetArgs, PredictArgs, TrainOnBatchArgs, TestOnBatchArgs, ValidationData,
} from './loops.js';

/** The compiled state the loops run with. */
export interface Compiled {
  readonly optimizer: Optimizer;
  readonly loss: Loss;
  readonly metrics: readonly Metric[];
  readonly spec: TargetSpec;
  readonly fused: boolean;
}

/** @internal What the loops need from a prepared model. */
export interface Core {
  readonly model: Model;
  readonly runner: StepRunner;
  readonly plans: PlanCache;
  readonly spec: TargetSpec;
  readonly inputShape: readonly number[];
  readonly firstLayer: Layer;
  /** A new key for the next epoch's shuffle. */
  shuffleKey(): bigint;
  /** Counts a training step (for per-step random streams). */
  stepDone(): void;
}

function readSeed(layer: Layer): number | undefined {
  const s = (layer as { seed?: unknown }).seed;
  return typeof s === 'number' ? s : undefined;
}

export abstract class Model {
  readonly name: string;
  /** Set to true (e.g. by a callback) to stop `fit` after the current batch. */
  stopTraining = false;
  /**
   * @internal Set by a callback in `onTrainBegin` (BackupAndRestore) to start `fit` at this epoch
   * instead of `initialEpoch` (Keras `model._initial_epoch`); `fit` clears it.
   */
  resumeEpoch: number | undefined = undefined;
  /** The History of the last `fit`. */
  history: History | undefined;

  #built = false;
  #inputShape: readonly number[] | undefined;
  #modelKey: bigint | undefined;
  #streamKeys: bigint[] = [];
  #arena: ParamArena | undefined;
  /** The device buffers when compiled for a device backend (src/engine/device.ts); undefined on the CPU. */
  #device: ModelDevice | undefined;
  /** What compile received, resolved by name. */
  #setup: { optimizer: Optimizer; loss: Loss; metrics: readonly (MetricIdentifier | Metric)[] } | undefined;
  /** What depends on the output shape too (resolved once the model is built). */
  #compiled: Compiled | undefined;
  #runner: StepRunner | undefined;
  #plans: PlanCache | undefined;
  #inferPlans: PlanCache | undefined;
  #optimizerBuilt = false;
  #steps = 0;
  #shuffles = 0;

  constructor(name: string) {
    this.name = name;
  }

  /** The layers, in order (without an InputLayer). */
  abstract get layers(): readonly Layer[];

  /** The declared input shape (no batch axis), if any layer declares one. */
  protected abstract declaredInputShape(): readonly number[] | undefined;

  get built(): boolean {
    return this.#built;
  }

  /** Input shape without the batch axis, once known. */
  get inputShape(): readonly number[] | undefined {
    return this.#inputShape;
  }

  /** Output shape without the batch axis, once built. */
  get outputShape(): readonly number[] | undefined {
    return this.#built ? this.layers[this.layers.length - 1].outputShape : undefined;
  }

  get optimizer(): Optimizer | undefined {
    return this.#setup?.optimizer;
  }

  get loss(): Loss | undefined {
    return this.#setup?.loss;
  }

  /** The compiled metrics (excluding the loss). */
  get metrics(): readonly Metric[] {
    return this.#compiled?.metrics ?? [];
  }

  get weights(): Weight[] {
    return this.layers.flatMap((l) => l.weights);
  }

  get trainableWeights(): Weight[] {
    return this.layers.flatMap((l) => l.trainableWeights);
  }

  get nonTrainableWeights(): Weight[] {
    return this.layers.flatMap((l) => l.nonTrainableWeights);
  }

  // ------------------------------------------------------------------------------ building

  /**
   * Builds every layer from `inputShape` (no batch axis) and initializes the new weights from the
   * global seed (setSeed) or each layer's `seed`. Layers already built keep their weights.
   */
  build(inputShape: readonly number[]): void {
    const layers = this.layers;
    if (layers.length === 0) throw new ValueError(`Model "${this.name}" expected at least one layer, received none. Add layers before building.`);
    this.#modelKey ??= nextSeed();
    let shape = inputShape;
    layers.forEach((layer, i) => {
      const fresh = !layer.built;
      const same = layer.built && layer.inputShape !== undefined && shapeText(layer.inputShape) === shapeText(shape);
      shape = same ? layer.outputShape : layer.build(shape);
      if (fresh) {
        const seed = readSeed(layer);
        const key = seed === undefined ? this.#modelKey! : layerKey(seed);
        for (const w of layer.weights) w.initializer.fill(w.value, w.shape, weightSeed(key, i, w.name));
      }
    });
    this.#streamKeys = layers.map((l, i) => {
      const seed = readSeed(l);
      return seed === undefined ? layerStream(this.#modelKey!, i) : layerKey(seed);
    });
    this.#inputShape = Object.freeze([...inputShape]);
    this.#built = true;
    // The output shape may have changed: the loss/metric resolution is redone on the next use.
    this.#compiled = undefined;
    this.#invalidate();
  }

  /** Drops packed state after the layer list or its shapes changed (Sequential.add). */
  protected layersChanged(): void {
    this.#built = false;
    this.#compiled = undefined;
    this.#invalidate();
    const shape = this.declaredInputShape();
    if (shape) this.build(shape);
  }

  #invalidate(): void {
    this.#runner = undefined;
    this.#plans = undefined;
    this.#inferPlans = undefined;
  }

  /** Builds from the data's shape when the model has no declared input shape. */
  #ensureBuilt(x: Tensor | undefined, where: string): void {
    if (this.#built) return;
    const declared = this.declaredInputShape();
    if (declared) return this.build(declared);
    if (!x) throw new KernoError(`${where}: the model is not built; set inputShape on the first layer or pass data.`);
    this.build(x.shape.slice(1));
  }

  // ------------------------------------------------------------------------------ compiling

  /** Configures training (Keras `compile`). Resolves names and checks the loss fits the model's output. */
  compile(args: CompileArgs): void {
    if (args === null || typeof args !== 'object') throw new ValueError(expectedMessage('compile: argument "args"', 'an options object {optimizer, loss, metrics}', args));
    if (args.loss === undefined) {
      throw new ValueError(expectedMessage('compile: option "loss"', "a loss name (e.g. 'categoricalCrossentropy') or a Loss", undefined));
    }
    const optimizer = getOptimizer(args.optimizer ?? 'rmsprop');
    const loss = getLoss(args.loss);
    if (args.metrics !== undefined && !Array.isArray(args.metrics)) {
      throw new ValueError(expectedMessage('compile: option "metrics"', "an array of metric names or Metric instances, e.g. ['accuracy']", args.metrics));
    }
    // 'cpu' needs no resolution (nor the addon, which loads lazily); the others look for a device.
    const device = deviceName(args.device ?? globalDeviceName(), 'compile: option "device"');
    const target = device === 'cpu' ? undefined : resolveDevice(device, 'compile: option "device"');
    // Custom optimizers update host arrays: 'cuda' refuses them, 'auto' keeps them on the CPU.
    if (device === 'cuda' && target?.onDevice) checkDeviceOptimizer(optimizer, target, 'compile: option "optimizer"');
    const onDevice = target !== undefined && target.onDevice && optimizer instanceof FusedOptimizer;
    if (this.#device && (!onDevice || this.#device.backend !== target.backend)) {
      // Leaving the device: its values come back to the host arrays first.
      this.#device.dispose();
      this.#device = undefined;
    }
    if (onDevice) this.#device ??= new ModelDevice(target);
    this.#setup = { optimizer, loss, metrics: args.metrics ?? [] };
    this.#compiled = undefined;
    this.#optimizerBuilt = false;
    this.#arena = undefined;
    this.#invalidate();
    // Metrics depend on the output shape; resolve now when it is known, else at the first fit.
    if (this.#built || this.declaredInputShape()) this.#ensureBuilt(undefined, 'compile');
    if (this.#built) this.#finishCompile();
  }

  /** Resolves what depends on the output shape: target spec, fusion, metrics. */
  #finishCompile(): Compiled {
    if (this.#compiled) return this.#compiled;
    const setup = this.#setup!;
    const out = this.outputShape!;
    const last = this.layers[this.layers.length - 1];
    const loss = setup.loss;
    const fusion = loss.fusesWith();
    const fused = fusion !== undefined && !loss.fromLogits && last.fusableActivation() === fusion;
    const spec: TargetSpec = { kind: loss.targetKind, outputShape: out, classes: sizeOf(out), lossName: `loss '${loss.name}'` };
    const metrics = setup.metrics.map((m, i) => {
      const metric = getMetric(m, loss, out, `compile: option "metrics[${i}]"`);
      if (!(metric instanceof Metric)) throw new ValueError(expectedMessage(`compile: option "metrics[${i}]"`, 'a Metric', metric));
      return metric;
    });
    const names = new Set<string>(['loss']);
    for (const m of metrics) {
      if (names.has(m.name)) throw new ValueError(mismatch('compile: option "metrics"', 'metrics with distinct names', `two named "${m.name}"`));
      names.add(m.name);
    }
    this.#compiled = { optimizer: setup.optimizer, loss, metrics, spec, fused };
    return this.#compiled;
  }

  /**
   * @internal Prepares training/evaluation: compile check, build, packing (repacked when
   * `trainable` flags changed), optimizer slots, plans. `x` is the data (for deferred builds).
   */
  core(method: string, x: Tensor | undefined): Core {
    if (!this.#setup) throw new KernoError(`${method}: the model must be compiled first; call model.compile({optimizer, loss, metrics}).`);
    this.#ensureBuilt(x, method);
    const compiled = this.#finishCompile();
    const layers = this.layers;
    const arena = this.#pack();
    if (!this.#optimizerBuilt) {
      compiled.optimizer.build(arena.segments, arena.params.length);
      this.#device?.bindSlots(compiled.optimizer);
      this.#optimizerBuilt = true;
    }
    const addon = convAddon(), backend = this.#backend();
    if (!this.#runner || !this.#plans) {
      const loss = compiled.loss;
      const logits = compiled.fused || loss.fromLogits;
      this.#runner = new StepRunner(layers, addon, backend, arena,
        compiled.optimizer, {
          kind: loss.nativeKind(logits), labelSmoothing: loss.labelSmoothing, delta: loss instanceof Huber ? loss.delta : 1,
          classes: compiled.spec.classes,
        },
        compiled.metrics, compiled.fused);
      this.#plans = new PlanCache(this.#planSpec(compiled.spec.kind === 'sparse' ? 1 : compiled.spec.classes, compiled.fused));
    }
    const model = this;
    return {
      model, runner: this.#runner, plans: this.#plans, spec: compiled.spec,
      inputShape: this.#inputShape!, firstLayer: layers[0],
      shuffleKey: () => deriveSeed(this.#modelKey!, 'shuffle', this.#shuffles++),
      stepDone: () => void this.#steps++,
    };
  }

  /**
   * The parameter arena, (re)packed when there is none or the trainable flags changed; on a
   * device, mirrored there with the weights outside it.
   */
  #pack(): ParamArena {
    const layers = this.layers;
    if (this.#arena && this.#arena.matches(layers)) return this.#arena;
    const pack = () => new ParamArena(layers);
    this.#arena = this.#device ? this.#device.pack(pack, layers) : pack();
    this.#optimizerBuilt = false;
    this.#runner = undefined;
    return this.#arena;
  }

  /** Backend index of every native call: the device's, else the fastest CPU backend. */
  #backend(): number {
    return this.#device?.backend ?? resolveBackend(undefined);
  }

  #planSpec(targetSize: number, fused: boolean) {
    const model = this;
    return {
      layers: this.layers, inputSize: sizeOf(this.#inputShape!), targetSize, classes: sizeOf(this.outputShape!), fused,
      addon: convAddon(), backend: this.#backend(), memory: this.#device ?? HOST_MEMORY,
      streams: {
        stepKey: (i: number, step: number) => stepSeed(model.#streamKeys[i], step),
        get step() { return model.#steps; },
      },
    };
  }

  /** @internal Plans for inference (no compile needed). */
  inferencePlans(x: Tensor | undefined, method: string): { plans: PlanCache; inputShape: readonly number[]; firstLayer: Layer } {
    this.#ensureBuilt(x, method);
    if (this.#plans) return { plans: this.#plans, inputShape: this.#inputShape!, firstLayer: this.layers[0] };
    // On a device the weights must be packed and mirrored before anything runs.
    if (this.#device) this.#pack();
    this.#inferPlans ??= new PlanCache(this.#planSpec(0, false));
    return { plans: this.#inferPlans, inputShape: this.#inputShape!, firstLayer: this.layers[0] };
  }

  // ------------------------------------------------------------------------------ loops

  /**
   * Trains the model (Keras `fit`) on arrays `x`, `y`, or on a dataset (an async iterable of
   * `{x, y, sampleWeight?}` or `[x, y]` batches) with the options as second argument.
   * Resolves to the History. Yields to the event loop between batches (about every 10 ms).
   */
  fit(x: TensorLike, y: TensorLike, args?: loops.FitArgs): Promise<History>;
  fit(dataset: Dataset, args?: loops.FitDatasetArgs): Promise<History>;
  fit(x: TensorLike | Dataset, y?: TensorLike | loops.FitDatasetArgs, args?: loops.FitArgs): Promise<History> {
    return loops.fit(this, x, y, args);
  }

  /**
   * Loss and metrics on data (Keras `evaluate`): the loss alone, or `[loss, ...metrics]` in
   * compile order; with `returnDict`, `{loss, ...}`.
   */
  evaluate(x: TensorLike, y: TensorLike, args?: loops.EvaluateArgs): Promise<number | number[] | Record<string, number>>;
  evaluate(dataset: Dataset, args?: loops.EvaluateDatasetArgs): Promise<number | number[] | Record<string, number>>;
  evaluate(x: TensorLike | Dataset, y?: TensorLike | loops.EvaluateDatasetArgs, args?: loops.EvaluateArgs): Promise<number | number[] | Record<string, number>> {
    return loops.evaluate(this, x, y, args);
  }

  /** Model outputs for `x`, computed in batches (Keras `predict`); shape `[N, ...outputShape]`. */
  predict(x: TensorLike | Dataset, args?: loops.PredictArgs): Promise<Tensor> {
    return loops.predict(this, x, args);
  }

  /** One training step on one batch (Keras `train_on_batch`); metrics are reset first. */
  trainOnBatch(x: TensorLike, y: TensorLike, args?: loops.TrainOnBatchArgs): number | number[] | Record<string, number> {
    return loops.trainOnBatch(this, x, y, args);
  }

  /** Loss and metrics of one batch (Keras `test_on_batch`); metrics are reset first. */
  testOnBatch(x: TensorLike, y: TensorLike, args?: loops.TestOnBatchArgs): number | number[] | Record<string, number> {
    return loops.testOnBatch(this, x, y, args);
  }

  /** Outputs for one batch (Keras `predict_on_batch`). */
  predictOnBatch(x: TensorLike): Tensor {
    return loops.predictOnBatch(this, x);
  }

  // ------------------------------------------------------------------------------ weights

  #requireBuilt(method: string): void {
    if (this.#built) return;
    const declared = this.declaredInputShape();
    if (declared) return this.build(declared);
    throw new KernoError(`${method}: the model "${this.name}" is not built yet; set inputShape on the first layer, call build(shape), or fit it first.`);
  }

  /** Copies of every weight, layer by layer (Keras `get_weights`: kernel, bias, ..., moving statistics). */
  getWeights(): Tensor[] {
    this.#requireBuilt('getWeights');
    this.#device?.weights.pull();
    return this.weights.map((w) => new Tensor(w.value.slice(), w.shape));
  }

  /** Sets every weight from tensors or typed arrays in `getWeights()` order and shapes. */
  setWeights(weights: readonly (Tensor | Float32Array)[]): void {
    this.#requireBuilt('setWeights');
    const own = this.weights;
    if (!Array.isArray(weights) || weights.length !== own.length) {
      throw new ValueError(expectedMessage('setWeights: argument "weights"', `an array of ${own.length} weights (getWeights() order)`, weights));
    }
    weights.forEach((v, i) => {
      const w = own[i];
      const where = arg('setWeights', `weights[${i}]`) + ` (${w.name} of shape ${shapeText(w.shape)})`;
      const t = samples(v, where);
      const ok = v instanceof Float32Array ? v.length === w.size : shapeText(t.shape) === shapeText(w.shape);
      if (!ok) throw new ShapeError(mismatch(where, `shape ${shapeText(w.shape)}`, `shape ${shapeText(t.shape)}`));
    });
    this.#device?.weights.hostAccess();
    weights.forEach((v, i) => own[i].value.set(v instanceof Float32Array ? v : (v as Tensor).asFloat32()));
  }

  /**
   * @internal For code that reads (`'read'`) or writes (`'write'`) the weights' host arrays
   * directly (saving, loading): on a device, brings the host copies up to date first, and after a
   * write has the next step send them to the device. A no-op on the CPU.
   */
  hostWeights(access: 'read' | 'write'): void {
    const d = this.#device;
    if (!d) return;
    if (access === 'read') d.weights.pull();
    else d.weights.hostAccess();
  }

  // ------------------------------------------------------------------------------ saving (src/io/onnx)

  /**
   * Saves the whole model as one ONNX file (written to a temporary file and renamed): the graph
   * onnxruntime runs, the weights, the compile configuration and, with `includeOptimizer`
   * (default `true`), the optimizer state, so `loadModel(path)` continues training exactly.
   * `opset` defaults to 17. Do not train the model until the promise settles (fit awaits callbacks).
   */
  async save(path: string, options?: SaveOptions): Promise<void> {
    return saveModel(this, path, options);
  }

  /** Saves the weights (with the architecture they belong to) as an ONNX file, atomically. */
  async saveWeights(path: string): Promise<void> {
    return saveWeights(this, path);
  }

  /** Loads weights saved by `saveWeights` or `save` into this model of the same architecture. */
  async loadWeights(path: string): Promise<void> {
    return loadWeights(this, path);
  }

  /** The bytes `save` writes. */
  toBuffer(options?: SaveOptions): Uint8Array {
    return modelToBuffer(this, options);
  }

  /** @internal The random-stream counters (dropout masks, shuffles), saved so training resumes bitwise. */
  randomState(): { modelKey: bigint | undefined; steps: number; shuffles: number } {
    return { modelKey: this.#modelKey, steps: this.#steps, shuffles: this.#shuffles };
  }

  /** @internal Restores `randomState()`; a built model re-derives its layers' streams from the key. */
  restoreRandomState(s: { modelKey: bigint; steps: number; shuffles: number }): void {
    this.#modelKey = s.modelKey;
    this.#steps = s.steps;
    this.#shuffles = s.shuffles;
    if (this.#built) this.build(this.#inputShape!);
  }

  /** Number of weights (trainable and not). */
  countParams(): number {
    this.#requireBuilt('countParams');
    return this.layers.reduce((n, l) => n + l.countParams(), 0);
  }

  /**
   * Prints Keras 3's summary table. `lineLength` defaults to Keras's: 88, or the terminal width − 4
   * when narrower. `printFn` receives the whole text (defaults to console.log).
   */
  summary(args: { lineLength?: number; printFn?: (text: string) => void } = {}): void {
    const columns = process.stdout.columns ?? (Number(process.env.COLUMNS) || 80);
    const lineLength = args.lineLength ?? Math.min(88, columns - 4);
    const trainable = this.trainableWeights.reduce((n, w) => n + w.size, 0);
    const nonTrainable = this.nonTrainableWeights.reduce((n, w) => n + w.size, 0);
    const opt = this.#setup && this.#optimizerBuilt ? this.#setup.optimizer : undefined;
    // Keras counts the slots plus two scalars: iterations (int64) and the learning rate (float32).
    const slotCount = opt ? opt.slots().length * trainable + 2 : 0;
    const counts = { trainable, nonTrainable, optimizer: opt ? { count: slotCount, bytes: (slotCount - 2) * 4 + 12 } : undefined };
    const rows = this.layers.map((layer) => ({ layer, outputShape: layer.built ? layer.outputShape : undefined }));
    const text = renderSummary(this.name, rows, counts, lineLength);
    (args.printFn ?? console.log)(text.endsWith('\n') ? text.slice(0, -1) : text);
  }
}
