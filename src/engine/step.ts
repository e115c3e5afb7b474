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
import type { Layer, RunContext } from './layer.js';
import type { Plan } from './plan.js';

/** Runs the layers forward on `plan.x` (training or inference mode, as `ctx` says). */
export function forward(layers: readonly Layer[], plan: Plan, ctx: RunContext): void {
  const ios = plan.ios;
  try {
    for (let i = 0; i < layers.length; i++) layers[i].forward(ctx, ios[i]);
  } catch (e) {
    rethrowNative(e);
  }
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

export class StepRunner {
  /** Σ batch loss × batch size and Σ batch size since the last reset (Keras's loss tracker). */
  lossSum = 0;
  lossCount = 0;
  readonly #optCtx: OptimizerContext;

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
    this.#optCtx = { addon, backend };
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
    for (let i = 0; i < m.length; i++) m[i].update(plan.metricBatch);
  }

  /** One training step on the batch already copied into `plan`; returns the batch loss. */
  train(plan: Plan, weighted: boolean): number {
    const B = plan.batch, L = this.loss, layers = this.layers, ios = plan.ios, ctx = plan.trainCtx;
    const arena = this.arena, n = layers.length;
    this.forward(plan, ctx);
    const loss = this.#batchLoss(plan, weighted);
    arena.grads.fill(0);
    plan.accumulated.fill(0);
    try {
      this.addon.lossBackward(this.backend, plan.lossGrad, plan.lossInput, plan.y, weighted ? plan.w : null, B, L.classes,
        L.kind, L.labelSmoothing, L.delta);
      for (let i = n - 1; i >= 0; i--) layers[i].backward(ctx, ios[i], i === n - 1 && this.fused);
      if (arena.regularized.length > 0) arena.addRegularizerGradients();
      if (arena.params.length > 0) this.optimizer.apply(this.#optCtx, arena.params, arena.grads);
    } catch (e) {
      rethrowNative(e);
    }
    this.#track(plan, loss);
    return loss;
  }

  /** Forward in inference mode and the loss; updates the trackers; returns the batch loss. */
  test(plan: Plan, weighted: boolean): number {
    this.forward(plan, plan.inferCtx);
    const loss = this.#batchLoss(plan, weighted);
    this.#track(plan, loss);
    return loss;
  }
}
