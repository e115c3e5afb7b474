/**
 * Keras `RMSprop`: `v = ρ·v + (1−ρ)·g²; w −= lr·g / sqrt(v + ε)`; `centered` subtracts the
 * squared running mean gradient from v, `momentum` adds a velocity (Keras's formulas, with ε
 * inside the square root).
 */
import { FusedOptimizer, type KernelParams, type SlotSpec, UNUSED } from './fusedOptimizer.js';
import type { OptimizerArgs } from './optimizer.js';

export interface RMSpropArgs extends OptimizerArgs {
  /** Defaults to `0.001`. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Discount of the squared-gradient average, in [0, 1]. Defaults to `0.9`. */
  rho?: number;
  /** Momentum in [0, 1]. Defaults to `0`. */
  momentum?: number;
  /** Defaults to `1e-7`. */
  epsilon?: number;
  /** Normalise by the gradient's estimated variance. Defaults to `false`. */
  centered?: boolean;
}

export class RMSprop extends FusedOptimizer {
  readonly className = 'RMSprop';
  protected readonly kind = 2;
  protected readonly params: Readonly<KernelParams>;
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(args: RMSpropArgs = {}) {
    super('RMSprop', args, 0.001);
    this.rho = this.check.number('rho', args.rho ?? 0.9, 0, 1);
    this.momentum = this.check.number('momentum', args.momentum ?? 0, 0, 1);
    this.epsilon = this.check.number('epsilon', args.epsilon ?? 1e-7, 0);
    this.centered = this.check.flag('centered', args.centered ?? false);
    this.params = { ...UNUSED, rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }

  protected slotSpecs(): readonly (SlotSpec | null)[] {
    return [
      { name: 'velocity', initial: 0 },
      this.momentum !== 0 ? { name: 'momentum', initial: 0 } : null,
      this.centered ? { name: 'average_gradient', initial: 0 } : null,
    ];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}
