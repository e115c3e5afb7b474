/**
 * Keras `LecunNormal`: truncated normal with `stddev = sqrt(1 / fanIn)` (after truncation).
 */
import { VarianceScaling } from './varianceScaling.js';

export interface LecunNormalArgs {
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class LecunNormal extends VarianceScaling {
  override readonly className: string = 'LecunNormal';

  constructor(args: LecunNormalArgs = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal', seed: args.seed });
  }

  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}
