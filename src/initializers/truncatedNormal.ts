/**
 * Keras `TruncatedNormal`: a normal distribution redrawn outside `mean ± 2·stddev` (so the
 * values' stddev is about 0.88·stddev; VarianceScaling compensates, this class does not, as Keras).
 * Options, validation and config are RandomNormal's; only the distribution differs.
 */
import { RandomNormal, type RandomNormalArgs } from './randomNormal.js';
import { TRUNCATED_NORMAL } from './random.js';

export interface TruncatedNormalArgs extends RandomNormalArgs {
  /** Stddev before truncation. Defaults to `0.05`. */
  stddev?: number;
}

export class TruncatedNormal extends RandomNormal {
  override readonly className: string = 'TruncatedNormal';
  protected override readonly distribution: number = TRUNCATED_NORMAL;

  constructor(args: TruncatedNormalArgs = {}) {
    super(args);
  }
}
