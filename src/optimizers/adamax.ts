/**
 * Keras `Adamax` (Adam with the infinity norm): `m = β1·m + (1−β1)·g; u = max(β2·u, |g|);
 * w −= lr·m / ((1 − β1^t)·(u + ε))` (Keras adds ε to u, inside the product).
 */
import { ValueError, expectedMessage } from '../errors.js';
import { FusedOptimizer, type KernelParams, type SlotSpec, UNUSED } from './fusedOptimizer.js';
import type { OptimizerArgs } from './optimizer.js';

export interface AdamaxArgs extends OptimizerArgs {
  /** Defaults to `0.001`. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Decay of the first moment, in [0, 1). Defaults to `0.9`. */
  beta1?: number;
  /** Decay of the infinity norm, in [0, 1]. Defaults to `0.999`. */
  beta2?: number;
  /** Defaults to `1e-7`. */
  epsilon?: number;
}

export class Adamax extends FusedOptimizer {
  readonly className = 'Adamax';
  protected readonly kind = 5;
  protected readonly params: Readonly<KernelParams>;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;

  constructor(args: AdamaxArgs = {}) {
    super('Adamax', args, 0.001);
    const beta1 = args.beta1 ?? 0.9;
    // β1 = 1 would divide by zero in the bias correction (1 − β1^t); β2 = 1 (a plain running
    // maximum) is well defined.
    if (!(typeof beta1 === 'number' && beta1 >= 0 && beta1 < 1))
      throw new ValueError(expectedMessage(this.check.where('beta1'), 'a number in [0, 1)', beta1));
    this.beta1 = beta1;
    this.beta2 = this.check.number('beta2', args.beta2 ?? 0.999, 0, 1);
    this.epsilon = this.check.number('epsilon', args.epsilon ?? 1e-7, 0);
    this.params = { ...UNUSED, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }

  protected slotSpecs(): readonly (SlotSpec | null)[] {
    return [{ name: 'momentum', initial: 0 }, { name: 'norm', initial: 0 }, null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}
