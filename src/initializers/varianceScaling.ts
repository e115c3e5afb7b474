/**
 * Keras `VarianceScaling`: draws with a variance of `scale / n`, where n is fan_in, fan_out or
 * their mean (computeFans), and the base of the Glorot, He and LeCun initializers.
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { Initializer } from './initializer.js';
import { NORMAL, TRUNCATED_NORMAL, UNIFORM, checkFill, checkSeedOption, draw, finiteOption } from './random.js';

/** Which fan the variance divides by. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';
/** `'normal'` is Keras's alias of `'truncatedNormal'`. */
export type VarianceScalingDistribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform' | 'normal';

export interface VarianceScalingArgs {
  /** Scaling factor, > 0. Defaults to `1`. */
  scale?: number;
  /** Defaults to `'fanIn'`. */
  mode?: FanMode;
  /** Defaults to `'truncatedNormal'`. */
  distribution?: VarianceScalingDistribution;
  /**
   * Seed of this initializer: every weight it fills then gets the same values for the same shape
   * (Keras's seeded initializers). Defaults to none: the model's per-weight seed (see random.ts).
   */
  seed?: number;
}

/**
 * Keras `compute_fans`: a Dense kernel `[in, out]` has fans (in, out); a convolution kernel
 * `[...spatial, in, out]` multiplies both by the receptive field (the product of the spatial
 * dims); a vector has fan_in = fan_out = its length; a scalar 1.
 */
export function computeFans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 1) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  let receptive = 1;
  for (let i = 0; i < shape.length - 2; i++) receptive *= shape[i];
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

/** Keras's stddev of a standard normal truncated to ±2, which the truncated draw divides by. */
export const TRUNCATED_STDDEV = 0.87962566103423978;

const MODES: readonly FanMode[] = ['fanIn', 'fanOut', 'fanAvg'];
const DISTRIBUTIONS: readonly VarianceScalingDistribution[] = ['truncatedNormal', 'untruncatedNormal', 'uniform', 'normal'];

export class VarianceScaling implements Initializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  /** The distribution drawn from (`'normal'` is stored as `'truncatedNormal'`, as Keras does). */
  readonly distribution: 'truncatedNormal' | 'untruncatedNormal' | 'uniform';
  readonly seed: number | undefined;

  constructor(args: VarianceScalingArgs = {}) {
    const name = new.target.name;
    this.scale = finiteOption(name, 'scale', args.scale ?? 1);
    if (!(this.scale > 0)) throw new ValueError(expectedMessage(`${name}: option "scale"`, 'a number > 0', this.scale));
    const mode = args.mode ?? 'fanIn';
    if (!MODES.includes(mode)) throw new ValueError(expectedMessage(`${name}: option "mode"`, `one of ${MODES.join(', ')}`, mode));
    this.mode = mode;
    const dist = args.distribution ?? 'truncatedNormal';
    if (!DISTRIBUTIONS.includes(dist))
      throw new ValueError(expectedMessage(`${name}: option "distribution"`, `one of ${DISTRIBUTIONS.join(', ')}`, dist));
    this.distribution = dist === 'normal' ? 'truncatedNormal' : dist;
    this.seed = checkSeedOption(name, args.seed);
  }

  /** The variance `scale / max(1, n)` for a weight of `shape`. */
  variance(shape: readonly number[]): number {
    const { fanIn, fanOut } = computeFans(shape);
    const n = this.mode === 'fanIn' ? fanIn : this.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    return this.scale / Math.max(1, n);
  }

  fill(out: Float32Array, shape: readonly number[], seed: bigint): void {
    checkFill(this.className, out, shape);
    const variance = this.variance(shape);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * variance);
      draw(out, UNIFORM, -limit, limit, seed, this.seed);
    } else if (this.distribution === 'truncatedNormal') {
      // The ±2σ truncation shrinks the stddev by TRUNCATED_STDDEV; Keras widens σ to compensate.
      draw(out, TRUNCATED_NORMAL, 0, Math.sqrt(variance) / TRUNCATED_STDDEV, seed, this.seed);
    } else {
      draw(out, NORMAL, 0, Math.sqrt(variance), seed, this.seed);
    }
  }

  getConfig(): Record<string, unknown> {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}
