/**
 * Keras activation names (camelCase) → native activation kinds, and the activation "tail" that
 * Dense and the convolutions run after their linear part (with the bias and activation options
 * they share).
 *
 * Parameters are those of the Keras activation functions called by name: `leakyRelu` uses
 * `keras.activations.leaky_relu`'s negative_slope 0.2 (the LeakyReLU layer has its own 0.3),
 * `elu` alpha 1, `gelu` the exact erf form (approximate=False). `softmax` runs along the last axis
 * through the softmax kernels rather than the elementwise ones.
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { ActivationName } from '../native.js';
import type { LayerGradIO, LayerIO, RunContext } from '../engine/layer.js';
import { type InitializerLike, type Named, type RegularizerLike, type WorkspaceViews, optionWhere } from './common.js';

/** An activation by Keras name in camelCase. `'swish'` is Keras's alias of `'silu'`. */
export type ActivationIdentifier = ActivationName | 'softmax';

/** Native kind numbers (kerno_activation_kind in kernels.h) and the parameter each name uses. */
const TABLE: Readonly<Record<ActivationIdentifier, { kind: number; alpha: number }>> = {
  linear: { kind: 0, alpha: 0 },
  relu: { kind: 1, alpha: 0 },
  sigmoid: { kind: 2, alpha: 0 },
  tanh: { kind: 3, alpha: 0 },
  softmax: { kind: -1, alpha: 0 },
  leakyRelu: { kind: 4, alpha: 0.2 },
  elu: { kind: 5, alpha: 1 },
  gelu: { kind: 6, alpha: 0 },
  softplus: { kind: 8, alpha: 0 },
  silu: { kind: 9, alpha: 0 },
  swish: { kind: 9, alpha: 0 },
};

/** Every accepted activation name, for error messages and documentation. */
export const ACTIVATION_NAMES: readonly ActivationIdentifier[] = Object.freeze(Object.keys(TABLE) as ActivationIdentifier[]);

/** Native kind of the identity (used as an accumulate-copy: dinp += dout). */
export const LINEAR_KIND = 0;
/** Native kind of ReLU and LeakyReLU (alpha = negative slope). */
export const RELU_KIND = 1, LEAKY_RELU_KIND = 4;

export interface ResolvedActivation {
  readonly name: ActivationIdentifier;
  /** Native kind; -1 for softmax. */
  readonly kind: number;
  readonly alpha: number;
  readonly softmax: boolean;
  readonly linear: boolean;
  /**
   * The native activation_backward gives the same gradient when handed the output in place of
   * the input, so training keeps no pre-activation: relu and leakyRelu (alpha ≥ 0) read only
   * `x > 0`, which is `out > 0`; tanh reads only the output. (sigmoid does too, but the engine may
   * compute the loss from its pre-activation; elu, gelu, softplus and silu read x itself.)
   */
  readonly fromOutput: boolean;
}

/** Kinds whose derivative the native kernels can take from the output alone (see `fromOutput`). */
const FROM_OUTPUT: ReadonlySet<ActivationIdentifier> = new Set<ActivationIdentifier>(['relu', 'tanh', 'leakyRelu']);

/**
 * Resolves an activation option; undefined and null mean `'linear'` (Keras `activation=None`).
 * Throws a ValueError listing the valid names.
 */
export function resolveActivation(where: string, v: unknown): ResolvedActivation {
  const name = v === undefined || v === null ? 'linear' : v;
  if (typeof name !== 'string' || !Object.hasOwn(TABLE, name))
    throw new ValueError(expectedMessage(where, `one of ${ACTIVATION_NAMES.join(', ')}`, v));
  const id = name as ActivationIdentifier, { kind, alpha } = TABLE[id];
  // leakyRelu's alpha is the fixed 0.2 of TABLE, so out > 0 exactly when x > 0.
  return Object.freeze({ name: id, kind, alpha, softmax: id === 'softmax', linear: id === 'linear', fromOutput: FROM_OUTPUT.has(id) });
}

/** The activation the engine may fuse with a crossentropy loss, if this is one. */
export function fusable(act: ResolvedActivation): 'softmax' | 'sigmoid' | undefined {
  return act.name === 'softmax' || act.name === 'sigmoid' ? act.name : undefined;
}

/** The options Dense and the convolutions share for the stage after their linear part. */
export interface ActivationBiasArgs {
  /** Activation applied to the output. Defaults to `'linear'` (none), as Keras's `None`. */
  activation?: ActivationIdentifier | null;
  /** Add a bias per output feature (Dense unit, convolution output channel). Defaults to `true`. */
  useBias?: boolean;
  /** Initializer of the bias. Defaults to `'zeros'`. */
  biasInitializer?: InitializerLike;
  /** Penalty on the bias (e.g. `regularizers.l2(0.01)`). Defaults to none. */
  biasRegularizer?: RegularizerLike | null;
}

/**
 * The activation after the linear part of Dense and the convolutions, with the workspace plumbing
 * they share. The owner's WorkspaceViews must cut two views from `slot`, `values` floats each
 * (see `workspace`): the pre-activation and its gradient. Per forward, one of three ways:
 *
 * - no activation ('linear'): the linear part writes the output directly; nothing is kept;
 * - on the output (`onOutput`): at inference for every elementwise kind, and in training for the
 *   kinds whose gradient comes from the output (`fromOutput`: relu, tanh, leakyRelu). The linear
 *   part writes the output and the activation runs on it, fused into the kernel where the kernel
 *   takes one (the convolutions: `kernelKind`), else in place; the pre-activation view is never
 *   touched, and backward gives activation_backward the output as both input and output;
 * - kept (softmax, sigmoid, and the other kinds in training): the linear part writes the
 *   pre-activation into view `slot` and the activation reads it into the output.
 *
 * All three give bit-for-bit the same outputs and gradients. When the engine fuses a final
 * softmax/sigmoid with the loss, it reads the pre-activation (`preActivation`), which is why those
 * two always keep it, and hands backward the pre-activation gradient directly
 * (`fromPreActivation`), so the tail is skipped. Backward writes its gradient to view `slot + 1`.
 */
export class ActivationTail {
  readonly act: ResolvedActivation;

  /** Resolves the layer's `activation` option (errors name the layer and the option). */
  constructor(owner: Named, option: unknown, private readonly views: WorkspaceViews, private readonly slot = 0) {
    this.act = resolveActivation(optionWhere(owner, 'activation'), option);
  }

  /** Workspace floats for `values` pre-activation values per batch: none without an activation. */
  workspace(values: number): number {
    return this.act.linear ? 0 : 2 * values;
  }

  /** Whether this forward runs the activation on the output itself (see the class comment). */
  onOutput(ctx: RunContext): boolean {
    const act = this.act;
    return !act.linear && fusable(act) === undefined && (!ctx.training || act.fromOutput);
  }

  /**
   * The activation kind a kernel with a fused activation (conv2dForward's `actKind`) should apply
   * in this forward: the activation's when it runs on the output, else 0 (linear). Pass
   * `this.act.alpha` with it and `fusedByKernel = true` to `forward`.
   */
  kernelKind(ctx: RunContext): number {
    return this.onOutput(ctx) ? this.act.kind : LINEAR_KIND;
  }

  /** Where the linear part writes: the output itself, unless the pre-activation is kept. */
  target(ctx: RunContext, io: LayerIO): Float32Array {
    return this.act.linear || this.onOutput(ctx) ? io.out : this.views.get(io.ws, ctx.batch)[this.slot];
  }

  /**
   * `out = act(pre)` after the linear part wrote `pre` (`target`); softmax runs over rows of `cols`.
   * `fusedByKernel`: the linear part was given `kernelKind(ctx)` and already applied it.
   */
  forward(ctx: RunContext, io: LayerIO, pre: Float32Array, rows: number, cols: number, fusedByKernel = false): void {
    const act = this.act;
    if (act.linear) return;
    if (this.onOutput(ctx)) {
      if (!fusedByKernel) ctx.addon.activationForward(ctx.backend, io.out, io.out, act.kind, act.alpha);
      return;
    }
    if (act.softmax) ctx.addon.softmaxForward(ctx.backend, io.out, pre, rows, cols);
    else ctx.addon.activationForward(ctx.backend, io.out, pre, act.kind, act.alpha);
  }

  /**
   * The gradient the linear part back-propagates: `dout` itself without an activation or when it
   * already is the pre-activation gradient, else `dout · act'(pre)` written to view `slot + 1`
   * (zeroed first: the kernels accumulate).
   */
  gradient(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean, rows: number, cols: number): Float32Array {
    const act = this.act;
    if (act.linear || fromPreActivation) return io.dout;
    const v = this.views.get(io.ws, ctx.batch), dpre = v[this.slot + 1];
    // The forward kept no pre-activation when it ran on the output: the output stands in for it.
    const pre = this.onOutput(ctx) ? io.out : v[this.slot];
    ctx.memory.zero(dpre);
    if (act.softmax) ctx.addon.softmaxBackward(ctx.backend, dpre, io.dout, io.out, rows, cols);
    else ctx.addon.activationBackward(ctx.backend, dpre, io.dout, pre, io.out, act.kind, act.alpha);
    return dpre;
  }

  /** Whether training's output is a plain ReLU of the pre-activation (Layer.reluOutput). */
  reluOutput(): boolean {
    return this.act.name === 'relu';
  }

  /** The activation the engine may fuse with a crossentropy loss (Layer.fusableActivation). */
  fusable(): 'softmax' | 'sigmoid' | undefined {
    return fusable(this.act);
  }

  /**
   * The last forward's pre-activation when the engine may fuse the activation with the loss
   * (Layer.preActivation); `perSample` is the layer's output floats per sample.
   */
  preActivation(io: LayerIO, perSample: number): Float32Array | undefined {
    if (fusable(this.act) === undefined) return undefined;
    return this.views.get(io.ws, io.out.length / perSample)[this.slot];
  }
}
