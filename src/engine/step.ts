/**
 * The train, test and predict steps on one planned batch.
 *
 * Train: forward every layer → per-sample loss (fused softmax/sigmoid crossentropy on the last
 * pre-activation when the loss and the last activation allow it, as Keras's TensorFlow backend
 * computes crossentropy from logits) → zero gradients → loss gradient (Σ wᵢ·lossᵢ / B, Keras's
 * "sum over batch size") → backward in reverse → regularizer gradients → one fused optimizer
 * update over the parameter arena. Nothing here allocates: plans hold every buffer and the
 * trackers are plain numbers.
 *
 * A layer pair may fuse its backward (Layer.backwardFusable: MaxPooling2D after a ReLU): the
 * second writes the first's pre-activation gradient whole, so that buffer is not zeroed and the
 * first runs its backward from the pre-activation (`fromPreActivation`).
 *
 * Backward stops at the first layer with trainable weights, and that layer computes no input
 * gradient: nothing reads it (automatic differentiation skips it too). For the tutorial's MLP
 * this is the 784×256 product of the first Dense's dX, a third of the step's arithmetic.
 *
 * Epoch values follow Keras 3 (backend/tensorflow/trainer.py): the loss tracker is a Mean
 * updated with `sample_weight = batch size`, so the epoch loss is Σ loss_b·B_b / Σ B_b, and the
 * compiled metrics stream over every sample; neither sees sample or class weights (Keras passes
 * them only to `weighted_metrics`). Regularization penalties are part of the loss, in training
 * and evaluation, as Keras's `Layer.losses`.
 */
import type { Logs } from '../callbacks/callback.js';
import type { Metric } from '../metrics/metric.js';
import { rethrowNative } from '../native.js';
import type { NativeConvAddon } from '../nativeConv.js';
import type { Optimizer, OptimizerContext } from '../optimizers/optimizer.js';
import type { ParamArena } from './arena.js';
import type { Layer, LayerGradIO, RunContext } from './layer.js';
import type { Plan } from './plan.js';

/** Runs the layers forward on `plan.x` (training or inference mode, as `ctx` says). */
export function forward(layers: readonly Layer[], plan: Plan, ctx: RunContext): void {
  const ios = plan.ios;
  try {
    for (let i = 0; i < layers.length; i++) {
      // At inference a layer may run the next one with it (Layer.forwardFused).
      if (!ctx.training && i + 1 < layers.length && layers[i].forwardFused(ctx, ios[i], layers[i + 1], ios[i + 1])) i++;
      else layers[i].forward(ctx, ios[i]);
    }
  } catch (e) {
    rethrowNative(e);
  }
}

/**
 * Predicts the batch already copied into `plan.x` (inference mode) into `plan.output`, moving the
 * inputs up and the outputs down when the model runs on a device.
 */
export function inferBatch(layers: readonly Layer[], plan: Plan): void {
  plan.begin('predict', false);
  forward(layers, plan, plan.inferCtx);
  plan.memory.download(plan.output);
}

export interface LossSetup {
  /** kerno_loss_kind of the kernel to run (logits kind when fused or fromLogits). */
  readonly kind: number;
  readonly labelSmoothing: number;
  /** Huber's delta (kerno_loss_params.delta); the other kinds ignore it. */
  readonly delta: number;
  /** Output features per sample (C). */
  readonly classes: number;
}

/** What one plan's backward pass runs on (see StepRunner.#backwardOf). */
interface BackwardPlan {
  /** The plan's IOs, with the first trainable layer's `dinp` set to null. */
  readonly ios: readonly LayerGradIO[];
  /** fusedAt[i]: layer i runs `backwardFused`, writing layer i−1's pre-activation gradient. */
  readonly fusedAt: readonly boolean[];
  /**
   * The input gradients backward accumulates into, zeroed per step: dout of layers first..n-2,
   * less those a fused backward writes whole, as runs of adjacent buffers.
   */
  readonly zeroed: readonly Float32Array[];
}

export class StepRunner {
  /** Σ batch loss × batch size and Σ batch size since the last reset (Keras's loss tracker). */
  lossSum = 0;
  lossCount = 0;
  readonly #optCtx: OptimizerContext;
  /**
   * Whether arena.grads is known to be all zero: after a step whose optimizer zeroed it. Starts
   * false, and a step that stops half-way (an error) leaves it false, so the next one zeroes.
   */
  #gradsZero = false;
  /** Index of the first layer with a trainable weight in the arena; -1 when none. */
  readonly #first: number;
  /** Backward IOs per plan, built on first use (plans are evicted with their cache, hence weak). */
  readonly #backward = new WeakMap<Plan, BackwardPlan>();

  constructor(
    readonly layers: readonly Layer[],
    readonly addon: NativeConvAddon,
    readonly backend: number,
    readonly arena: ParamArena,
    readonly optimizer: Optimizer,
    readonly loss: LossSetup,
    readonly metrics: readonly Metric[],
    readonly fused: boolean,
  ) {
    this.#optCtx = { addon, backend, zeroGrads: true };
    // The arena is rebuilt (and with it this runner) whenever trainable flags change.
    const owned = new Set(arena.trainable);
    this.#first = layers.findIndex((l) => l.weights.some((w) => owned.has(w)));
  }

  /**
   * What backward runs on for `plan`: the plan's IOs minus the first trainable layer's dinp, the
   * layer pairs whose backward fuses (Layer.backwardFusable), and the buffers to zero.
   */
  #backwardOf(plan: Plan): BackwardPlan {
    let b = this.#backward.get(plan);
    if (b !== undefined) return b;
    const first = this.#first, ios = plan.ios.slice(), layers = this.layers, n = ios.length;
    ios[first] = { inp: ios[first].inp, out: ios[first].out, ws: ios[first].ws, dout: ios[first].dout, dinp: null };
    const fusedAt = layers.map((l, i) => i > first && l.backwardFusable(layers[i - 1]));
    // dout of layers first..n-2 are adjacent (plan layout) and end where plan.accumulated ends;
    // a run of them ends at a buffer a fused backward writes (or at the end).
    const acc = plan.accumulated, end = acc.byteOffset + acc.byteLength, zeroed: Float32Array[] = [];
    let run = -1;
    for (let j = first; j <= n - 1; j++) {
      const at = j < n - 1 ? ios[j].dout.byteOffset : end, skip = j === n - 1 || fusedAt[j + 1];
      if (!skip && run < 0) run = at;
      if (skip && run >= 0) {
        zeroed.push(new Float32Array(acc.buffer, run, (at - run) / 4));
        run = -1;
      }
    }
    b = { ios, fusedAt, zeroed };
    this.#backward.set(plan, b);
    return b;
  }

  resetMetrics(): void {
    this.lossSum = 0;
    this.lossCount = 0;
    for (let i = 0; i < this.metrics.length; i++) this.metrics[i].reset();
  }

  /** Current values: `loss` and each metric, keys sorted as Keras's logs. */
  results(): Logs {
    const logs: Logs = {};
    const entries: [string, number][] = [['loss', this.lossCount ? this.lossSum / this.lossCount : 0]];
    for (const m of this.metrics) entries.push([m.name, m.result()]);
    entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [k, v] of entries) logs[k] = v;
    return logs;
  }

  forward(plan: Plan, ctx: RunContext): void {
    forward(this.layers, plan, ctx);
  }

  /** Per-sample losses into plan.loss; returns Σ wᵢ·lossᵢ / B plus the regularization penalty. */
  #batchLoss(plan: Plan, weighted: boolean): number {
    const B = plan.batch, L = this.loss;
    try {
      this.addon.lossForward(this.backend, plan.loss, plan.lossInput, plan.y, B, L.classes, L.kind, L.labelSmoothing, L.delta);
      // device: the per-sample losses come down, with the outputs when metrics read them (#track):
      // one copy, one wait for the device; backward then runs while the host goes on.
      plan.memory.download(this.metrics.length > 0 ? plan.lossAndOutput : plan.loss);
    } catch (e) {
      rethrowNative(e);
    }
    const l = plan.loss, w = plan.w;
    let s = 0;
    if (weighted) for (let i = 0; i < B; i++) s += l[i] * w[i];
    else for (let i = 0; i < B; i++) s += l[i];
    let loss = s / B;
    if (this.arena.regularized.length > 0) loss += this.arena.penalty();
    return loss;
  }

  #track(plan: Plan, loss: number): void {
    this.lossSum += loss * plan.batch;
    this.lossCount += plan.batch;
    const m = this.metrics;
    // (on a device the outputs came down with the losses, in #batchLoss)
    for (let i = 0; i < m.length; i++) m[i].update(plan.metricBatch);
  }

  /** One training step on the batch already copied into `plan`; returns the batch loss. */
  train(plan: Plan, weighted: boolean): number {
    const B = plan.batch, L = this.loss, layers = this.layers, ctx = plan.trainCtx;
    const arena = this.arena, n = layers.length, first = this.#first;
    plan.begin('train', weighted); // device: changed weights and the batch go up
    this.forward(plan, ctx);
    const loss = this.#batchLoss(plan, weighted);
    if (first >= 0) {
      const bw = this.#backwardOf(plan), ios = bw.ios, fusedAt = bw.fusedAt, zeroed = bw.zeroed;
      if (!this.#gradsZero) plan.memory.zero(arena.grads);
      this.#gradsZero = false;
      for (let z = 0; z < zeroed.length; z++) plan.memory.zero(zeroed[z]);
      try {
        this.addon.lossBackward(this.backend, plan.lossGrad, plan.lossInput, plan.y, weighted ? plan.w : null, B, L.classes,
          L.kind, L.labelSmoothing, L.delta);
        for (let i = n - 1; i >= first; i--) {
          if (fusedAt[i]) {
            layers[i].backwardFused(ctx, ios[i]);
            i--;
            layers[i].backward(ctx, ios[i], true);
          } else {
            layers[i].backward(ctx, ios[i], i === n - 1 && this.fused);
          }
        }
        if (arena.regularized.length > 0) arena.addRegularizerGradients();
        if (arena.params.length > 0) this.#gradsZero = this.optimizer.apply(this.#optCtx, arena.params, arena.grads) === true;
      } catch (e) {
        rethrowNative(e);
      }
    }
    this.#track(plan, loss);
    return loss;
  }

  /** Forward in inference mode and the loss; updates the trackers; returns the batch loss. */
  test(plan: Plan, weighted: boolean): number {
    plan.begin('test', weighted);
    this.forward(plan, plan.inferCtx);
    const loss = this.#batchLoss(plan, weighted);
    this.#track(plan, loss);
    return loss;
  }
}
