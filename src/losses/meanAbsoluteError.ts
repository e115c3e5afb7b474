/**
 * Keras `MeanAbsoluteError` (`'mae'`): the mean over the last axis of `|p − y|`.
 */
import { Loss, type TargetKind } from './loss.js';
import { noLogitsKind } from './options.js';

export class MeanAbsoluteError extends Loss {
  readonly className = 'MeanAbsoluteError';
  readonly name = 'mean_absolute_error';
  readonly targetKind: TargetKind = 'elementwise';

  fusesWith(): undefined {
    return undefined;
  }

  /** KERNO_LOSS_MEAN_ABSOLUTE_ERROR (7). */
  nativeKind(logits: boolean): number {
    return logits ? noLogitsKind(this.className) : 7;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}
