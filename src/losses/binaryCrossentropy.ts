/**
 * Keras `BinaryCrossentropy`: the mean over the last axis of `−(y·log(p) + (1−y)·log(1−p))`,
 * probabilities clipped to [1e-7, 1 − 1e-7]. A sigmoid output layer is fused with the loss and
 * computed from its logits, as Keras's TensorFlow backend does.
 */
import { Loss, type TargetKind } from './loss.js';
import { flagOption, smoothingOption } from './options.js';

export interface BinaryCrossentropyArgs {
  /** The model outputs logits rather than probabilities. Defaults to `false`. */
  fromLogits?: boolean;
  /** Targets become `y·(1 − s) + s / 2`. In [0, 1]. Defaults to `0`. */
  labelSmoothing?: number;
}

export class BinaryCrossentropy extends Loss {
  readonly className = 'BinaryCrossentropy';
  readonly name = 'binary_crossentropy';
  readonly targetKind: TargetKind = 'elementwise';
  override readonly fromLogits: boolean;
  override readonly labelSmoothing: number;

  constructor(args: BinaryCrossentropyArgs = {}) {
    super();
    this.fromLogits = flagOption(this.className, 'fromLogits', args.fromLogits ?? false);
    this.labelSmoothing = smoothingOption(this.className, args.labelSmoothing ?? 0);
  }

  fusesWith(): 'sigmoid' | undefined {
    return this.fromLogits ? undefined : 'sigmoid';
  }

  /** KERNO_LOSS_BINARY_CROSSENTROPY (4) or KERNO_LOSS_SIGMOID_CROSSENTROPY (5). */
  nativeKind(logits: boolean): number {
    return logits ? 5 : 4;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, fromLogits: this.fromLogits, labelSmoothing: this.labelSmoothing };
  }
}
