/**
 * Keras `SparseCategoricalCrossentropy`: `−log(p[y])` per sample for integer class targets of
 * shape (B) or (B, 1). Keras's version has no label smoothing. A softmax output layer is fused
 * with the loss and computed from its logits.
 */
import { Loss, type TargetKind } from './loss.js';
import { flagOption } from './options.js';

export interface SparseCategoricalCrossentropyArgs {
  /** The model outputs logits rather than probabilities. Defaults to `false`. */
  fromLogits?: boolean;
}

export class SparseCategoricalCrossentropy extends Loss {
  readonly className = 'SparseCategoricalCrossentropy';
  readonly name = 'sparse_categorical_crossentropy';
  readonly targetKind: TargetKind = 'sparse';
  override readonly fromLogits: boolean;

  constructor(args: SparseCategoricalCrossentropyArgs = {}) {
    super();
    this.fromLogits = flagOption(this.className, 'fromLogits', args.fromLogits ?? false);
  }

  fusesWith(): 'softmax' | undefined {
    return this.fromLogits ? undefined : 'softmax';
  }

  /** KERNO_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY (2) or KERNO_LOSS_SPARSE_SOFTMAX_CROSSENTROPY (3). */
  nativeKind(logits: boolean): number {
    return logits ? 3 : 2;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, fromLogits: this.fromLogits };
  }
}
