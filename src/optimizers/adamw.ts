/**
 * Keras `AdamW`: Adam with decoupled weight decay `w −= w·weightDecay·lr` before each update,
 * `weightDecay` defaulting to 0.004.
 */
import { Adam, type AdamArgs } from './adam.js';

export interface AdamWArgs extends AdamArgs {
  /** Decoupled weight decay, >= 0. Defaults to `0.004`. */
  weightDecay?: number;
}

export class AdamW extends Adam {
  override readonly className: string = 'AdamW';

  constructor(args: AdamWArgs = {}) {
    super({ ...args, weightDecay: args.weightDecay ?? 0.004 });
  }
}
