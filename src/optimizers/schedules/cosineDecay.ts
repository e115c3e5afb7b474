/**
 * Keras 3 `CosineDecay` with optional linear warmup. Without `warmupTarget`:
 * `lr(step) = initialLearningRate · ((1 − alpha) · ½(1 + cos(π · min(step, decaySteps) / decaySteps)) + alpha)`.
 * With `warmupTarget`: the rate rises linearly from `initialLearningRate` to `warmupTarget` over
 * `warmupSteps`, then decays from `warmupTarget` as above over `decaySteps`.
 */
import { LearningRateSchedule, scheduleNumber } from './learningRateSchedule.js';

export interface CosineDecayArgs {
  /** The rate at step 0. Required. */
  initialLearningRate: number;
  /** Steps to decay over, > 0. Required. */
  decaySteps: number;
  /** Final rate as a fraction of the decay's starting rate. Defaults to `0`. */
  alpha?: number;
  /** Rate reached at the end of the warmup. Defaults to none (no warmup). */
  warmupTarget?: number;
  /** Warmup length in steps (only with `warmupTarget`). Defaults to `0`. */
  warmupSteps?: number;
}

export class CosineDecay extends LearningRateSchedule {
  readonly className = 'CosineDecay';
  readonly initialLearningRate: number;
  readonly decaySteps: number;
  readonly alpha: number;
  readonly warmupTarget: number | undefined;
  readonly warmupSteps: number;

  constructor(args: CosineDecayArgs) {
    super();
    const c = this.className;
    this.initialLearningRate = scheduleNumber(c, 'initialLearningRate', args?.initialLearningRate);
    this.decaySteps = scheduleNumber(c, 'decaySteps', args.decaySteps, 0, true);
    this.alpha = scheduleNumber(c, 'alpha', args.alpha ?? 0);
    this.warmupTarget = args.warmupTarget === undefined ? undefined : scheduleNumber(c, 'warmupTarget', args.warmupTarget);
    this.warmupSteps = scheduleNumber(c, 'warmupSteps', args.warmupSteps ?? 0, 0);
  }

  private decay(step: number, from: number): number {
    const cosine = 0.5 * (1 + Math.cos(Math.PI * (step / this.decaySteps)));
    return from * ((1 - this.alpha) * cosine + this.alpha);
  }

  call(step: number): number {
    if (this.warmupTarget === undefined) return this.decay(Math.min(step, this.decaySteps), this.initialLearningRate);
    const s = Math.min(step, this.decaySteps + this.warmupSteps);
    if (s < this.warmupSteps)
      return (this.warmupTarget - this.initialLearningRate) * (s / this.warmupSteps) + this.initialLearningRate;
    return this.decay(s - this.warmupSteps, this.warmupTarget);
  }

  getConfig(): Record<string, unknown> {
    return {
      initialLearningRate: this.initialLearningRate, decaySteps: this.decaySteps, alpha: this.alpha,
      warmupTarget: this.warmupTarget ?? null, warmupSteps: this.warmupSteps,
    };
  }
}
