/**
 * Keras `Adagrad`: `acc += g²; w −= lr·g / sqrt(acc + ε)`, the accumulator starting at
 * `initialAccumulatorValue` (Keras puts ε inside the square root; tensorflow.js's 'adagrad'
 * shortcut uses lr 0.01 — kerno follows Keras).
 */
import { FusedOptimizer, type KernelParams, type SlotSpec, UNUSED } from './fusedOptimizer.js';
import type { OptimizerArgs } from './optimizer.js';

export interface AdagradArgs extends OptimizerArgs {
  /** Defaults to `0.001`. */
  learningRate?: OptimizerArgs['learningRate'];
  /** Starting value of the accumulator, >= 0. Defaults to `0.1`. */
  initialAccumulatorValue?: number;
  /** Defaults to `1e-7`. */
  epsilon?: number;
}

export class Adagrad extends FusedOptimizer {
  readonly className = 'Adagrad';
  protected readonly kind = 1;
  protected readonly params: Readonly<KernelParams>;
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;

  constructor(args: AdagradArgs = {}) {
    super('Adagrad', args, 0.001);
    this.initialAccumulatorValue = this.check.number('initialAccumulatorValue', args.initialAccumulatorValue ?? 0.1, 0);
    this.epsilon = this.check.number('epsilon', args.epsilon ?? 1e-7, 0);
    this.params = { ...UNUSED, epsilon: this.epsilon };
  }

  protected slotSpecs(): readonly (SlotSpec | null)[] {
    return [{ name: 'accumulator', initial: this.initialAccumulatorValue }, null, null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}
