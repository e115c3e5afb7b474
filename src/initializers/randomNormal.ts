/**
 * Keras `RandomNormal`: values from a normal distribution.
 */
import type { Initializer } from './initializer.js';
import { NORMAL, checkFill, checkSeedOption, draw, finiteOption } from './random.js';

export interface RandomNormalArgs {
  /** Defaults to `0`. */
  mean?: number;
  /** Defaults to `0.05`. */
  stddev?: number;
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class RandomNormal implements Initializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;
  /** The native distribution drawn from (TruncatedNormal overrides it). */
  protected readonly distribution: number = NORMAL;

  constructor(args: RandomNormalArgs = {}) {
    const name = new.target.name;
    this.mean = finiteOption(name, 'mean', args.mean ?? 0);
    this.stddev = finiteOption(name, 'stddev', args.stddev ?? 0.05, 0);
    this.seed = checkSeedOption(name, args.seed);
  }

  fill(out: Float32Array, shape: readonly number[], seed: bigint): void {
    checkFill(this.className, out, shape);
    draw(out, this.distribution, this.mean, this.stddev, seed, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { mean: this.mean, stddev: this.stddev, seed: this.seed ?? null };
  }
}
