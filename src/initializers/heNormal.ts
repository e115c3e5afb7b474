/**
 * Keras `HeNormal`: truncated normal with `stddev = sqrt(2 / fanIn)` (after truncation).
 */
import { VarianceScaling } from './varianceScaling.js';

export interface HeNormalArgs {
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class HeNormal extends VarianceScaling {
  override readonly className: string = 'HeNormal';

  constructor(args: HeNormalArgs = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: args.seed });
  }

  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}
