/**
 * Keras `CategoricalCrossentropy`: `−Σ_c y·log(p)` per sample for one-hot (or soft) targets of
 * shape (B, C). Probabilities are normalised per row and clipped to [1e-7, 1 − 1e-7] as Keras;
 * a softmax output layer is fused with the loss and computed from its logits, as Keras's
 * TensorFlow backend does.
 */
import { Loss, type TargetKind } from './loss.js';
import { flagOption, smoothingOption } from './options.js';

export interface CategoricalCrossentropyArgs {
  /** The model outputs logits rather than probabilities. Defaults to `false`. */
  fromLogits?: boolean;
  /** Targets become `y·(1 − s) + s / C`. In [0, 1]. Defaults to `0`. */
  labelSmoothing?: number;
}

export class CategoricalCrossentropy extends Loss {
  readonly className = 'CategoricalCrossentropy';
  readonly name = 'categorical_crossentropy';
  readonly targetKind: TargetKind = 'categorical';
  override readonly fromLogits: boolean;
  override readonly labelSmoothing: number;

  constructor(args: CategoricalCrossentropyArgs = {}) {
    super();
    this.fromLogits = flagOption(this.className, 'fromLogits', args.fromLogits ?? false);
    this.labelSmoothing = smoothingOption(this.className, args.labelSmoothing ?? 0);
  }

  fusesWith(): 'softmax' | undefined {
    return this.fromLogits ? undefined : 'softmax';
  }

  /** KERNO_LOSS_CATEGORICAL_CROSSENTROPY (0) or KERNO_LOSS_SOFTMAX_CROSSENTROPY (1). */
  nativeKind(logits: boolean): number {
    return logits ? 1 : 0;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}
