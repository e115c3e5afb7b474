/**
 * Keras `MeanSquaredError` (`'mse'`): the mean over the last axis of `(p − y)²`.
 */
import { Loss, type TargetKind } from './loss.js';
import { noLogitsKind } from './options.js';

export class MeanSquaredError extends Loss {
  readonly className = 'MeanSquaredError';
  readonly name = 'mean_squared_error';
  readonly targetKind: TargetKind = 'elementwise';

  fusesWith(): undefined {
    return undefined;
  }

  /** KERNO_LOSS_MEAN_SQUARED_ERROR (6). */
  nativeKind(logits: boolean): number {
    return logits ? noLogitsKind(this.className) : 6;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}
