/**
 * Keras `LecunUniform`: uniform in [−limit, limit] with `limit = sqrt(3 / fanIn)`.
 */
import { VarianceScaling } from './varianceScaling.js';

export interface LecunUniformArgs {
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class LecunUniform extends VarianceScaling {
  override readonly className: string = 'LecunUniform';

  constructor(args: LecunUniformArgs = {}) {
    super({ scale: 1, mode: 'fanIn', distribution: 'uniform', seed: args.seed });
  }

  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}
