/**
 * Weight regularizers (Keras `l1`, `l2`, `l1_l2`): a penalty added to the training loss and its
 * gradient added to the weight's gradient.
 */
import { ValueError, expectedMessage } from './errors.js';

export interface Regularizer {
  readonly className: string;
  /** The penalty for `w`, e.g. `l2 · Σ w²`. */
  penalty(w: Float32Array): number;
  /** Accumulates the penalty's gradient into `grad`. */
  addGradient(w: Float32Array, grad: Float32Array): void;
  getConfig(): Record<string, unknown>;
}

// ------------------------------------------------------------------------------------ Keras's

/** Keras validate_float_arg: a finite number >= 0. */
function factor(className: string, name: string, v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  throw new ValueError(expectedMessage(`${className}: option "${name}"`, 'a finite number >= 0', v));
}

// The penalties sum in double; Keras sums in float32, a few ulps apart for large weights.
function sumAbs(w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += Math.abs(w[i]);
  return s;
}

function sumSquares(w: Float32Array): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i] * w[i];
  return s;
}

function checkGrad(className: string, w: Float32Array, grad: Float32Array): void {
  if (grad.length !== w.length)
    throw new ValueError(expectedMessage(`${className}.addGradient: argument "grad"`, `${w.length} elements (as w)`, grad));
}

export interface L1Args {
  /** Defaults to `0.01`. */
  l1?: number;
}

/** Keras `L1`: penalty `l1 · Σ|w|`, gradient `l1 · sign(w)` (0 at w = 0, as TensorFlow). */
export class L1 implements Regularizer {
  readonly className = 'L1';
  readonly l1: number;
  constructor(args: L1Args = {}) {
    this.l1 = factor('L1', 'l1', args.l1 ?? 0.01);
  }
  penalty(w: Float32Array): number {
    return this.l1 * sumAbs(w);
  }
  addGradient(w: Float32Array, grad: Float32Array): void {
    checkGrad(this.className, w, grad);
    const c = this.l1;
    for (let i = 0; i < w.length; i++) grad[i] += w[i] > 0 ? c : w[i] < 0 ? -c : 0;
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1 };
  }
}

export interface L2Args {
  /** Defaults to `0.01`. */
  l2?: number;
}

/** Keras `L2`: penalty `l2 · Σw²` (no ½), gradient `2 · l2 · w`. */
export class L2 implements Regularizer {
  readonly className = 'L2';
  readonly l2: number;
  constructor(args: L2Args = {}) {
    this.l2 = factor('L2', 'l2', args.l2 ?? 0.01);
  }
  penalty(w: Float32Array): number {
    return this.l2 * sumSquares(w);
  }
  addGradient(w: Float32Array, grad: Float32Array): void {
    checkGrad(this.className, w, grad);
    const c = 2 * this.l2;
    for (let i = 0; i < w.length; i++) grad[i] += c * w[i];
  }
  getConfig(): Record<string, unknown> {
    return { l2: this.l2 };
  }
}

export interface L1L2Args {
  /** Defaults to `0` (Keras 3's `L1L2` / `l1_l2` default). */
  l1?: number;
  /** Defaults to `0` (Keras 3's `L1L2` / `l1_l2` default). */
  l2?: number;
}

/** Keras `L1L2`: penalty `l1 · Σ|w| + l2 · Σw²`. */
export class L1L2 implements Regularizer {
  readonly className = 'L1L2';
  readonly l1: number;
  readonly l2: number;
  constructor(args: L1L2Args = {}) {
    this.l1 = factor('L1L2', 'l1', args.l1 ?? 0);
    this.l2 = factor('L1L2', 'l2', args.l2 ?? 0);
  }
  penalty(w: Float32Array): number {
    return (this.l1 ? this.l1 * sumAbs(w) : 0) + (this.l2 ? this.l2 * sumSquares(w) : 0);
  }
  addGradient(w: Float32Array, grad: Float32Array): void {
    checkGrad(this.className, w, grad);
    const a = this.l1, b = 2 * this.l2;
    for (let i = 0; i < w.length; i++) grad[i] += (w[i] > 0 ? a : w[i] < 0 ? -a : 0) + b * w[i];
  }
  getConfig(): Record<string, unknown> {
    return { l1: this.l1, l2: this.l2 };
  }
}

/** Keras `regularizers.l1(l1 = 0.01)`. */
export function l1(l1 = 0.01): L1 {
  return new L1({ l1 });
}

/** Keras `regularizers.l2(l2 = 0.01)`. */
export function l2(l2 = 0.01): L2 {
  return new L2({ l2 });
}

/** Keras `regularizers.l1_l2(l1 = 0, l2 = 0)` (Keras 3 defaults both to 0). */
export function l1l2(args: L1L2Args = {}): L1L2 {
  return new L1L2(args);
}

/** Names `getRegularizer` accepts, with Keras's defaults. */
export type RegularizerName = 'l1' | 'l2' | 'l1l2';

/**
 * Resolves `'l1'`, `'l2'` or `'l1l2'` (Keras's string identifiers, camelCase) to a new
 * regularizer with Keras's defaults, or returns a Regularizer instance as it is.
 *
 * @param where - Names the argument in error messages, e.g. `'Dense: option "kernelRegularizer"'`.
 */
export function getRegularizer(nameOrInstance: RegularizerName | Regularizer, where = 'getRegularizer: argument "identifier"'): Regularizer {
  if (nameOrInstance === 'l1') return new L1();
  if (nameOrInstance === 'l2') return new L2();
  if (nameOrInstance === 'l1l2') return new L1L2();
  const r = nameOrInstance as Partial<Regularizer> | null;
  if (typeof r === 'object' && r !== null && typeof r.penalty === 'function' && typeof r.addGradient === 'function')
    return nameOrInstance as Regularizer;
  throw new ValueError(expectedMessage(where, "a Regularizer or one of 'l1', 'l2', 'l1l2'", nameOrInstance));
}
