/**
 * Keras `SGD`, with momentum and Nesterov momentum. Keras folds the learning rate into the
 * velocity: `v = momentum·v − lr·g; w += v` (Nesterov: `w += momentum·v − lr·g`), which differs
 * from PyTorch after a learning-rate change.
 */
import { FusedOptimizer, type KernelParams, type SlotSpec, UNUSED } from './fusedOptimizer.js';
import type { OptimizerArgs } from './optimizer.js';

export interface SGDArgs extends OptimizerArgs {
  /** Defaults to `0.01`. (See OptimizerArgs for weightDecay and the clipping options.) */
  learningRate?: OptimizerArgs['learningRate'];
  /** Momentum in [0, 1]. Defaults to `0`. */
  momentum?: number;
  /** Nesterov momentum. Defaults to `false`. */
  nesterov?: boolean;
}

export class SGD extends FusedOptimizer {
  readonly className = 'SGD';
  protected readonly kind = 0;
  protected readonly params: Readonly<KernelParams>;
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(args: SGDArgs = {}) {
    super('SGD', args, 0.01);
    this.momentum = this.check.number('momentum', args.momentum ?? 0, 0, 1);
    this.nesterov = this.check.flag('nesterov', args.nesterov ?? false);
    this.params = { ...UNUSED, momentum: this.momentum, nesterov: this.nesterov };
  }

  protected slotSpecs(): readonly (SlotSpec | null)[] {
    return [this.momentum !== 0 ? { name: 'momentum', initial: 0 } : null, null, null];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), momentum: this.momentum, nesterov: this.nesterov };
  }
}
