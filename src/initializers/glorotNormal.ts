/**
 * Keras `GlorotNormal`: truncated normal with `stddev = sqrt(2 / (fanIn + fanOut))` (after truncation).
 */
import { VarianceScaling } from './varianceScaling.js';

export interface GlorotNormalArgs {
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class GlorotNormal extends VarianceScaling {
  override readonly className: string = 'GlorotNormal';

  constructor(args: GlorotNormalArgs = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'truncatedNormal', seed: args.seed });
  }

  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}
