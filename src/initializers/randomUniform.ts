/**
 * Keras `RandomUniform`: values uniform in [minval, maxval).
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { Initializer } from './initializer.js';
import { UNIFORM, checkFill, checkSeedOption, draw, finiteOption } from './random.js';

export interface RandomUniformArgs {
  /** Defaults to `-0.05`. */
  minval?: number;
  /** Defaults to `0.05`; must be >= minval. */
  maxval?: number;
  /** Seed of this initializer (every weight it fills gets the same values). Defaults to the model's per-weight seed. */
  seed?: number;
}

export class RandomUniform implements Initializer {
  readonly className: string = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | undefined;

  constructor(args: RandomUniformArgs = {}) {
    const name = new.target.name;
    this.minval = finiteOption(name, 'minval', args.minval ?? -0.05);
    this.maxval = finiteOption(name, 'maxval', args.maxval ?? 0.05);
    if (this.maxval < this.minval)
      throw new ValueError(expectedMessage(`${name}: option "maxval"`, `a number >= minval (${this.minval})`, this.maxval));
    this.seed = checkSeedOption(name, args.seed);
  }

  fill(out: Float32Array, shape: readonly number[], seed: bigint): void {
    checkFill(this.className, out, shape);
    draw(out, UNIFORM, this.minval, this.maxval, seed, this.seed);
  }

  getConfig(): Record<string, unknown> {
    return { minval: this.minval, maxval: this.maxval, seed: this.seed ?? null };
  }
}
