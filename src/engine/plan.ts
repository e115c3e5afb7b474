/**
 * Execution plans: for one batch size, one Float32Array holding the batch's inputs, targets,
 * sample weights and per-sample losses, and every layer's output, workspace and output gradient,
 * each a subarray view. Layers receive prebuilt LayerIO objects over these views, so running a
 * batch allocates nothing. Plans are cached per batch size (the full batch and the last partial
 * batch of an epoch, validation batches...).
 *
 * Layout: x | y | w | out_0..out_{n-2} | loss | out_{n-1} | ws_0..ws_{n-1} | dout_0..dout_{n-1}. The output
 * gradients are contiguous so that the engine zeroes every accumulated input gradient with one
 * fill (dinp of layer i is dout of layer i-1; the last dout is written by the loss kernel), less
 * those a fused backward writes whole (src/engine/step.ts).
 *
 * On a device backend each plan's arena gets one device mirror (src/engine/device.ts): the
 * layers' views resolve to the device copy, `begin` sends the batch up, and only what JS reads
 * (losses, outputs) comes back down.
 */
import type { DeviceMemory } from './device.js';
import type { Layer, LayerGradIO, RunContext } from './layer.js';
import type { MetricBatch } from '../metrics/metric.js';
import type { MirrorHandle } from '../native.js';
import type { NativeConvAddon } from '../nativeConv.js';

const ALIGN = 16;

function aligned(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** The product of a shape (features per sample). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Mutable LayerGradIO; layers see it through the readonly interface. */
interface MutableIO {
  inp: Float32Array;
  out: Float32Array;
  ws: Float32Array;
  dout: Float32Array;
  dinp: Float32Array | null;
}

/** Random streams for one layer (dropout): what the engine knows to answer RunContext.randomStream. */
export interface StreamSource {
  /** 64-bit key of layer `index`'s stream for training step `step`. */
  stepKey(layerIndex: number, step: number): bigint;
  /** The current training step (0-based count of training steps taken). */
  readonly step: number;
}

class Context implements RunContext {
  readonly #stream = { seed: 0n, offset: 0n };
  constructor(
    readonly addon: NativeConvAddon,
    readonly backend: number,
    readonly batch: number,
    readonly training: boolean,
    readonly layerIndex: ReadonlyMap<Layer, number>,
    readonly streams: StreamSource,
    readonly memory: DeviceMemory,
  ) {}

  randomStream(layer: Layer, _count: number): { seed: bigint; offset: bigint } {
    const i = this.layerIndex.get(layer);
    if (i === undefined) throw new Error(`randomStream: layer "${layer.name}" is not part of this model`);
    // One object per context, reused: a layer reads the pair right away.
    this.#stream.seed = this.streams.stepKey(i, this.streams.step);
    this.#stream.offset = 0n;
    return this.#stream;
  }
}

export interface PlanSpec {
  readonly layers: readonly Layer[];
  readonly inputSize: number;
  /** Floats per sample of the target buffer: C for categorical/elementwise, 1 for sparse. */
  readonly targetSize: number;
  /** Output features per sample (C). */
  readonly classes: number;
  /** Whether the loss is fused with the last layer's activation (reads its pre-activation). */
  readonly fused: boolean;
  readonly addon: NativeConvAddon;
  readonly backend: number;
  readonly streams: StreamSource;
  /** Where the plan arenas live: each gets a device mirror on a device backend. */
  readonly memory: DeviceMemory;
}

export class Plan {
  readonly batch: number;
  /** The single buffer every view below points into. */
  readonly arena: Float32Array;
  /** Inputs (batch, ...inputShape). */
  readonly x: Float32Array;
  /** Targets (batch, targetSize). */
  readonly y: Float32Array;
  /** Per-sample weights (batch); only read when the batch has weights. */
  readonly w: Float32Array;
  /** Per-sample losses (batch). */
  readonly loss: Float32Array;
  readonly ios: readonly LayerGradIO[];
  /** Model outputs (batch, classes): the last layer's out. */
  readonly output: Float32Array;
  /** One view from `loss` to the end of `output` (adjacent in the layout): one device download. */
  readonly lossAndOutput: Float32Array;
  /** What the loss kernel reads: the last pre-activation when fused, else the output. */
  readonly lossInput: Float32Array;
  /** ∂loss/∂lossInput, written by the loss kernel: the last layer's dout. */
  readonly lossGrad: Float32Array;
  /** dout of layers 0..n-2 (the accumulated input gradients), zeroed before each backward. */
  readonly accumulated: Float32Array;
  readonly trainCtx: RunContext;
  readonly inferCtx: RunContext;
  /** The metric update argument for a full plan batch (sample weights never reach metrics, as Keras `metrics`). */
  readonly metricBatch: MetricBatch;
  /** Floats allocated, for cache accounting. */
  readonly floats: number;
  /** Where `arena` lives (see src/engine/device.ts). */
  readonly memory: DeviceMemory;
  /** The arena's device copy; undefined on the CPU. Garbage-collected with the plan. */
  readonly #mirror: MirrorHandle | undefined;

  constructor(spec: PlanSpec, batch: number, layerIndex: ReadonlyMap<Layer, number>) {
    const { layers } = spec;
    const n = layers.length;
    const outSizes = layers.map((l) => batch * sizeOf(l.outputShape));
    const wsSizes = layers.map((l) => l.workspaceSize(batch));
    for (let i = 0; i < n; i++) {
      if (!Number.isSafeInteger(wsSizes[i]) || wsSizes[i] < 0) {
        throw new Error(`Layer "${layers[i].name}" returned an invalid workspaceSize(${batch}): ${wsSizes[i]}`);
      }
    }
    let total = 0;
    const take = (len: number): [number, number] => {
      const at = total;
      total += aligned(len);
      return [at, len];
    };
    const xr = take(batch * spec.inputSize), yr = take(batch * spec.targetSize), wr = take(batch);
    // The per-sample losses sit right before the model's outputs, so that a device step brings
    // both down in one copy (lossAndOutput).
    const outR = outSizes.slice(0, n - 1).map(take);
    const lr = take(batch);
    outR.push(take(outSizes[n - 1]));
    const wsR = wsSizes.map(take);
    const doutStart = total;
    const doutR = outSizes.map(take);
    this.floats = total;
    this.arena = new Float32Array(total);
    const view = ([at, len]: [number, number]): Float32Array => this.arena.subarray(at, at + len);
    this.batch = batch;
    this.x = view(xr);
    this.y = view(yr);
    this.w = view(wr);
    this.loss = view(lr);
    const ios: MutableIO[] = [];
    for (let i = 0; i < n; i++) {
      ios.push({
        inp: i === 0 ? this.x : ios[i - 1].out,
        out: view(outR[i]),
        ws: view(wsR[i]),
        dout: view(doutR[i]),
        dinp: i === 0 ? null : ios[i - 1].dout,
      });
    }
    this.ios = ios;
    const last = ios[n - 1];
    this.output = last.out;
    this.lossAndOutput = this.arena.subarray(lr[0], outR[n - 1][0] + outR[n - 1][1]);
    this.lossGrad = last.dout;
    this.accumulated = this.arena.subarray(doutStart, n > 1 ? doutR[n - 1][0] : doutStart);
    if (spec.fused) {
      const pre = layers[n - 1].preActivation(last);
      if (!(pre instanceof Float32Array) || pre.length !== last.out.length) {
        throw new Error(`Layer "${layers[n - 1].name}" declares a fusable activation but preActivation() returned no buffer of ${last.out.length} floats`);
      }
      this.lossInput = pre;
    } else {
      this.lossInput = last.out;
    }
    this.trainCtx = new Context(spec.addon, spec.backend, batch, true, layerIndex, spec.streams, spec.memory);
    this.inferCtx = new Context(spec.addon, spec.backend, batch, false, layerIndex, spec.streams, spec.memory);
    this.metricBatch = { yTrue: this.y, yPred: this.output, batch, classes: spec.classes };
    this.memory = spec.memory;
    this.#mirror = spec.memory.mirror(this.arena);
  }

  /** Frees the arena's device copy now (the plan is unusable on the device afterwards). */
  free(): void {
    this.memory.free(this.#mirror);
  }

  /**
   * Call once the batch is in `x` (and `y`, `w`), before running it. On a device: sends weights
   * or slots that JS changed since the last step, then the batch — the inputs, plus the targets
   * and sample weights when a loss is computed (`train`/`test`). A no-op on the CPU.
   */
  begin(mode: 'train' | 'test' | 'predict', weighted: boolean): void {
    const m = this.memory;
    if (!m.onDevice) return;
    m.beforeStep(mode === 'train');
    m.upload(this.x);
    if (mode === 'predict') return;
    m.upload(this.y);
    if (weighted) m.upload(this.w);
  }
}

/** Plans by batch size, keeping the few most recently used (an epoch needs two, validation one or two more). */
export class PlanCache {
  readonly #plans = new Map<number, Plan>();
  readonly #layerIndex: ReadonlyMap<Layer, number>;
  constructor(readonly spec: PlanSpec, readonly capacity = 4) {
    this.#layerIndex = new Map(spec.layers.map((l, i) => [l, i]));
  }

  get(batch: number): Plan {
    let plan = this.#plans.get(batch);
    if (plan !== undefined) return plan;
    if (this.#plans.size >= this.capacity) {
      // Evict the oldest entry (Map keeps insertion order); its device copy goes with it.
      const oldest = this.#plans.keys().next().value as number;
      this.#plans.get(oldest)!.free();
      this.#plans.delete(oldest);
    }
    plan = new Plan(this.spec, batch, this.#layerIndex);
    this.#plans.set(batch, plan);
    return plan;
  }
}
