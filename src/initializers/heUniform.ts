/**
 * Keras `HeUniform`: uniform in [−limit, limit] with `limit = sqrt(6 / fanIn)`.
 */
import { VarianceScaling } from './varianceScaling.js';

export interface HeUniformArgs {
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class HeUniform extends VarianceScaling {
  override readonly className: string = 'HeUniform';

  constructor(args: HeUniformArgs = {}) {
    super({ scale: 2, mode: 'fanIn', distribution: 'uniform', seed: args.seed });
  }

  override getConfig(): Record<string, unknown> {
    return { seed: this.seed ?? null };
  }
}
