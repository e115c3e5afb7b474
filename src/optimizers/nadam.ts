/**
 * Keras `Nadam` (Adam with Nesterov momentum, Dozat 2016, in Keras 3's form):
 * `u_t = β1·(1 − 0.5·0.96^t)`, `Π_t = u_1·…·u_t`; `m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * m̂ = u_{t+1}·m / (1 − Π_t·u_{t+1}) + (1 − u_t)·g / (1 − Π_t); v̂ = v / (1 − β2^t);
 * w −= lr·m̂ / (sqrt(v̂) + ε)`.
 *
 * Keras keeps `Π_t` as a scalar variable (`_u_product`) updated once per step. It is a function of
 * β1 and the step only, so kerno does not save it: it is recomputed from `iterations` whenever
 * the cached value belongs to another step (a restored or rewound optimizer), and otherwise
 * advanced by one factor per step, in float32 and Keras's operation order, then handed to the
 * fused native update (kerno_optimizer_params.u_product).
 */
import { ValueError, expectedMessage } from '../errors.js';
import { FusedOptimizer, type KernelParams, type SlotSpec, UNUSED } from './fusedOptimizer.js';
import type { OptimizerArgs } from './optimizer.js';

const f32 = Math.fround;
// Keras casts the constants 0.96 and β1 to float32 tensors.
const DECAY = f32(0.96);

export interface NadamArgs extends OptimizerArgs {
  /** Defaults to `0.001`. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the first moment, in [0, 1). Defaults to `0.9`. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Defaults to `0.999`. */
  beta2?: number;
  /** Defaults to `1e-7`. */
  epsilon?: number;
}

export class Nadam extends FusedOptimizer {
  readonly className = 'Nadam';
  protected readonly kind = 4;
  protected readonly params: Readonly<KernelParams>;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  // Π_t for step `uStep` (Keras's initial value 1 at step 0).
  private uStep = 0;
  private uProduct = 1;

  constructor(args: NadamArgs = {}) {
    super('Nadam', args, 0.001);
    this.beta1 = this.beta('beta1', args.beta1 ?? 0.9);
    this.beta2 = this.beta('beta2', args.beta2 ?? 0.999);
    this.epsilon = this.check.number('epsilon', args.epsilon ?? 1e-7, 0);
    this.params = { ...UNUSED, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  /**
   * Keras's `_u_product` after `step` steps (0 gives its initial 1): the float32 product of
   * `β1·(1 − 0.5·0.96^t)` for t = 1..step, each factor applied as `(Π·β1)·(1 − 0.5·0.96^t)`.
   */
  static uProductAt(beta1: number, step: number): number {
    let u = 1;
    for (let t = 1; t <= step; t++) u = Nadam.advance(u, beta1, t);
    return u;
  }

  private static advance(u: number, beta1: number, t: number): number {
    return f32(f32(u * f32(beta1)) * f32(1 - f32(0.5 * f32(DECAY ** t))));
  }

  protected override stepScalar(step: number): number {
    if (this.uStep > step) {
      this.uStep = 0;
      this.uProduct = 1;
    }
    while (this.uStep < step) this.uProduct = Nadam.advance(this.uProduct, this.beta1, ++this.uStep);
    return this.uProduct;
  }

  /** A decay in [0, 1): β2 = 1 would divide by zero in the bias correction (1 − β2^t). */
  private beta(name: string, v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < 1) return v;
    throw new ValueError(expectedMessage(this.check.where(name), 'a number in [0, 1)', v));
  }

  protected slotSpecs(): readonly (SlotSpec | null)[] {
    return [{ name: 'momentum', initial: 0 }, { name: 'velocity', initial: 0 }, null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
