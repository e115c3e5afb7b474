/**
 * Keras `Huber` (`'huber'`): with `e = p − y`, the mean over the last axis of `0.5·e²` where
 * `|e| <= delta` and `delta·|e| − 0.5·delta²` elsewhere: quadratic near the target, linear (so
 * less sensitive to outliers than MSE) beyond `delta`.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { Loss, type TargetKind } from './loss.js';
import { noLogitsKind } from './options.js';

export interface HuberArgs {
  /** Where the loss turns from quadratic to linear; a finite number > 0. Defaults to `1`. */
  delta?: number;
}

export class Huber extends Loss {
  readonly className = 'Huber';
  /** Keras's `Huber` default name (the function is `keras.losses.huber`). */
  readonly name = 'huber_loss';
  readonly targetKind: TargetKind = 'elementwise';
  readonly delta: number;

  constructor(args: HuberArgs = {}) {
    super();
    const delta = args.delta ?? 1;
    // Keras accepts any delta; 0 or less makes the loss constant (or negative), and the kernel
    // needs a finite threshold.
    if (!(typeof delta === 'number' && Number.isFinite(delta) && delta > 0))
      throw new ValueError(expectedMessage(`${this.className}: option "delta"`, 'a finite number > 0', delta));
    this.delta = delta;
  }

  fusesWith(): undefined {
    return undefined;
  }

  /** KERNO_LOSS_HUBER (8); the engine passes `delta` to the kernel with it. */
  nativeKind(logits: boolean): number {
    return logits ? noLogitsKind(this.className) : 8;
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, delta: this.delta };
  }
}
