/**
 * Keras `GlorotUniform`: uniform in [−limit, limit] with `limit = sqrt(6 / (fanIn + fanOut))`. The default kernel initializer of Dense and Conv2D.
 */
import { VarianceScaling } from './varianceScaling.js';

export interface GlorotUniformArgs {
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class GlorotUniform extends VarianceScaling {
  override readonly className: string = 'GlorotUniform';

  constructor(args: GlorotUniformArgs = {}) {
    super({ scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: args.seed });
  }

  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}
