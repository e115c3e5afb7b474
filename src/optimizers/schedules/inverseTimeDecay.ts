/**
 * Keras `InverseTimeDecay`: `initialLearningRate / (1 + decayRate · step / decaySteps)`, with
 * `step / decaySteps` floored when `staircase`.
 */
import { LearningRateSchedule, scheduleFlag, scheduleNumber } from './learningRateSchedule.js';

export interface InverseTimeDecayArgs {
  /** The rate at step 0. Required. */
  initialLearningRate: number;
  /** Steps per decay period, > 0. Required. */
  decaySteps: number;
  /** Required. */
  decayRate: number;
  /** Decay at whole periods only. Defaults to `false`. */
  staircase?: boolean;
}

export class InverseTimeDecay extends LearningRateSchedule {
  readonly className = 'InverseTimeDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly decayRate: number;
  readonly staircase: boolean;

  constructor(args: InverseTimeDecayArgs) {
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
    return this.initialLearningRate / (1 + this.decayRate * p);
  }

  getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, decayRate: this.decayRate,
      staircase: this.staircase,
    };
  }
}
