/**
 * Keras `ExponentialDecay`: `initialLearningRate · decayRate^(step / decaySteps)`, with the
 * exponent floored when `staircase`.
 */
import { LearningRateSchedule, scheduleFlag, scheduleNumber } from './learningRateSchedule.js';

export interface ExponentialDecayArgs {
  /** The rate at step 0. Required. */
  initialLearningRate: number;
  /** Steps per decay period, > 0. Required. */
  decaySteps: number;
  /** Factor per period. Required. */
  decayRate: number;
  /** Decay at whole periods only (floor of step / decaySteps). Defaults to `false`. */
  staircase?: boolean;
}

export class ExponentialDecay extends LearningRateSchedule {
  readonly className = 'ExponentialDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(args: ExponentialDecayArgs) {
    super();
    const c = this.className;
    this.initialLearningRate = scheduleNumber(c, 'initialLearningRate', args?.initialLearningRate);
    this.decaySteps = scheduleNumber(c, 'decaySteps', args.decaySteps, 0, true);
    this.decayRate = scheduleNumber(c, 'decayRate', args.decayRate);
    this.staircase = scheduleFlag(c, 'staircase', args.staircase ?? false);
  }

  call(step: number): number {
    let p = step / this.decaySteps;
    if (this.staircase) p = Math.floor(p);
    return this.initialLearningRate * Math.pow(this.decayRate, p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate,
      staircase: this.staircase,
    };
  }
}
