/**
 * Keras `TruncatedNormal`: a normal distribution redrawn outside `mean ± 2·stddev` (so the
 * values' stddev is about 0.88·stddev; VarianceScaling compensates, this class does not, as Keras).
 */
import type { Initializer } from './initializer.js';
import { TRUNCATED_NORMAL, checkFill, checkSeedOption, draw, finiteOption } from './random.js';

export interface TruncatedNormalArgs {
  /** Defaults to `0`. */
  mean?: number;
  /** Stddev before truncation. Defaults to `0.05`. */
  stddev?: number;
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class TruncatedNormal implements Initializer {
  readonly className: string = 'TruncatedNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;

  constructor(args: TruncatedNormalArgs = {}) {
    const name = new.target.name;
    this.mean = finiteOption(name, 'mean', args.mean ?? 0);
    this.stddev = finiteOption(name, 'stddev', args.stddev ?? 0.05, 0);
    this.seed = checkSeedOption(name, args.seed);
  }

  fill(out: Float32Array, shape: readonly number[], seed: bigint): void {
    checkFill(this.className, out, shape);
    draw(out, TRUNCATED_NORMAL, this.mean, this.stddev, seed, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}
