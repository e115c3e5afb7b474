/**
 * Keras `PiecewiseConstantDecay`: `values[0]` while `step <= boundaries[0]`, `values[i]` while
 * `boundaries[i-1] < step <= boundaries[i]`, and `values[last]` after the last boundary.
 */
import { ValueError, expectedMessage } from '../../errors.js';
import { LearningRateSchedule, scheduleNumber } from './learningRateSchedule.js';

export interface PiecewiseConstantDecayArgs {
  /** Step boundaries, strictly increasing. Required. */
  boundaries: readonly number[];
  /** One more value than boundaries. Required. */
  values: readonly number[];
}

export class PiecewiseConstantDecay extends LearningRateSchedule {
  readonly className = 'PiecewiseConstantDecay';
  readonly boundaries: readonly number[];
  readonly values: readonly number[];

  constructor(args: PiecewiseConstantDecayArgs) {
    super();
    const c = this.className;
    const { boundaries, values } = args ?? ({} as PiecewiseConstantDecayArgs);
    if (!Array.isArray(boundaries)) throw new ValueError(expectedMessage(`${c}: option "boundaries"`, 'an array of numbers', boundaries));
    if (!Array.isArray(values) || values.length !== boundaries.length + 1)
      throw new ValueError(expectedMessage(`${c}: option "values"`, `an array of ${boundaries.length + 1} numbers (one more than boundaries)`, values));
    this.boundaries = Object.freeze(boundaries.map((b, i) => {
      const v = scheduleNumber(c, `boundaries[${i}]`, b);
      if (i > 0 && !(v > boundaries[i - 1]))
        throw new ValueError(expectedMessage(`${c}: option "boundaries"`, 'strictly increasing numbers', boundaries));
      return v;
    }));
    this.values = Object.freeze(values.map((v, i) => scheduleNumber(c, `values[${i}]`, v)));
  }

  call(step: number): number {
    const b = this.boundaries;
    for (let i = 0; i < b.length; i++) if (step <= b[i]) return this.values[i];
    return this.values[b.length];
  }

  getConfig(): Record<string, unknown> {
    return { boundaries: [...this.boundaries], values: [...this.values] };
  }
}
