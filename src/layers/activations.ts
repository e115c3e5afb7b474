/**
 * Keras activation names (camelCase) → native activation kinds, and the activation "tail" that
 * Dense and the convolutions run after their linear part.
 *
 * Parameters are those of the Keras activation functions called by name: `leakyRelu` uses
 * `keras.activations.leaky_relu`'s negative_slope 0.2 (the LeakyReLU layer has its own 0.3),
 * `elu` alpha 1, `gelu` the exact erf form (approximate=False). `softmax` runs along the last axis
 * through the softmax kernels rather than the elementwise ones.
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { ActivationName } from '../native.js';
import type { RunContext } from '../engine/layer.js';

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
}

/**
 * Resolves an activation option; undefined and null mean `'linear'` (Keras `activation=None`).
 * Throws a ValueError listing the valid names.
 */
export function resolveActivation(where: string, v: unknown): ResolvedActivation {
  const name = v === undefined || v === null ? 'linear' : v;
  if (typeof name !== 'string' || !Object.hasOwn(TABLE, name))
    throw new ValueError(expectedMessage(where, `one of ${ACTIVATION_NAMES.join(', ')}`, v));
  const id = name as ActivationIdentifier, { kind, alpha } = TABLE[id];
  return Object.freeze({ name: id, kind, alpha, softmax: id === 'softmax', linear: id === 'linear' });
}

/** The activation the engine may fuse with a crossentropy loss, if this is one. */
export function fusable(act: ResolvedActivation): 'softmax' | 'sigmoid' | undefined {
  return act.name === 'softmax' || act.name === 'sigmoid' ? act.name : undefined;
}

/** `out = act(pre)`; softmax runs over rows of `cols` (the last axis). */
export function activationTailForward(ctx: RunContext, act: ResolvedActivation, out: Float32Array, pre: Float32Array,
  rows: number, cols: number): void {
  if (act.softmax) ctx.addon.softmaxForward(ctx.backend, out, pre, rows, cols);
  else ctx.addon.activationForward(ctx.backend, out, pre, act.kind, act.alpha);
}

/** Writes `dpre = dout · act'(pre)` (dpre is zeroed first: the kernels accumulate). */
export function activationTailBackward(ctx: RunContext, act: ResolvedActivation, dpre: Float32Array, dout: Float32Array,
  pre: Float32Array, out: Float32Array, rows: number, cols: number): void {
  dpre.fill(0);
  if (act.softmax) ctx.addon.softmaxBackward(ctx.backend, dpre, dout, out, rows, cols);
  else ctx.addon.activationBackward(ctx.backend, dpre, dout, pre, out, act.kind, act.alpha);
}
