/**
 * Keras `Adam`: `α = lr·sqrt(1−β2^t)/(1−β1^t); m = β1·m + (1−β1)·g; v = β2·v + (1−β2)·g²;
 * w −= α·m / (sqrt(v) + ε)` (Keras's ε placement, which differs from PyTorch's), optionally AMSGrad.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { FusedOptimizer, type KernelParams, type SlotSpec, UNUSED } from './fusedOptimizer.js';
import type { OptimizerArgs } from './optimizer.js';

export interface AdamArgs extends OptimizerArgs {
  /** Defaults to `0.001`. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the first moment, in [0, 1). Defaults to `0.9`. */
  beta1?: number;
  /** Decay of the second moment, in [0, 1). Defaults to `0.999`. */
  beta2?: number;
  /** Defaults to `1e-7`. */
  epsilon?: number;
  /** Use the AMSGrad variant (the maximum of past second moments). Defaults to `false`. */
  amsgrad?: boolean;
}

export class Adam extends FusedOptimizer {
  readonly className: string = 'Adam';
  protected readonly kind = 3;
  protected readonly params: Readonly<KernelParams>;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(args: AdamArgs = {}) {
    // new.target names AdamW in its messages.
    super(new.target.name, args, 0.001);
    this.beta1 = this.beta('beta1', args.beta1 ?? 0.9);
    this.beta2 = this.beta('beta2', args.beta2 ?? 0.999);
    this.epsilon = this.check.number('epsilon', args.epsilon ?? 1e-7, 0);
    this.amsgrad = this.check.flag('amsgrad', args.amsgrad ?? false);
    this.params = { ...UNUSED, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }

  /** A decay in [0, 1): β = 1 would divide by zero in the bias correction (1 − β^t). */
  private beta(name: string, v: unknown): number {
    if (typeof v === 'number' && v >= 0 && v < 1) return v;
    throw new ValueError(expectedMessage(this.check.where(name), 'a number in [0, 1)', v));
  }

  protected slotSpecs(): readonly (SlotSpec | null)[] {
    return [
      { name: 'momentum', initial: 0 },
      { name: 'velocity', initial: 0 },
      this.amsgrad ? { name: 'velocity_hat', initial: 0 } : null,
    ];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}
