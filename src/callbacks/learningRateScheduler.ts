/**
 * LearningRateScheduler (Keras `keras.callbacks.LearningRateScheduler`): at the start of every
 * epoch sets the optimizer's learning rate to `schedule(epoch, lr)`, with the 0-based epoch and the
 * current rate (read as Keras reads its float32 variable: 0.001 arrives as 0.0010000000474974513).
 * At the end of the epoch it writes `learning_rate` into the logs, as Keras 3 does, so History
 * records the rate each epoch used.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { formatRepr } from '../metrics/pyFormat.js';
import { Callback, type Logs } from './callback.js';
import { Options, readLearningRate, requireModel, writeLearningRate } from './monitor.js';

/** `(epoch, lr) => newLr`: the 0-based epoch and the current learning rate. */
export type Schedule = (epoch: number, lr: number) => number;

export interface LearningRateSchedulerArgs {
  /** 0: silent; 1: prints `Epoch N: LearningRateScheduler setting learning rate to X.`. Defaults to `0`. */
  verbose?: number;
}

export class LearningRateScheduler extends Callback {
  readonly schedule: Schedule;
  readonly verbose: number;

  constructor(schedule: Schedule, args: LearningRateSchedulerArgs = {}) {
    super();
    if (typeof schedule !== 'function') {
      throw new ValueError(expectedMessage('LearningRateScheduler: argument "schedule"', 'a function (epoch, lr) => learning rate', schedule));
    }
    const o = new Options('LearningRateScheduler', args, ['verbose']);
    this.schedule = schedule;
    this.verbose = o.verbose(args.verbose);
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    const model = requireModel('LearningRateScheduler', this.model);
    const lr = this.schedule(epoch, readLearningRate('LearningRateScheduler', model));
    // Checked here so the error names the schedule rather than the optimizer's setter.
    if (typeof lr !== 'number' || !(lr > 0 && lr < Infinity)) {
      throw new ValueError(expectedMessage(`LearningRateScheduler: schedule(${epoch}, lr)`, 'to return a finite number > 0', lr));
    }
    writeLearningRate('LearningRateScheduler', model, lr);
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: LearningRateScheduler setting learning rate to ${formatRepr(lr)}.`);
  }

  override onEpochEnd(_epoch: number, logs: Logs = {}): void {
    if (!Object.isFrozen(logs)) logs.learning_rate = readLearningRate('LearningRateScheduler', requireModel('LearningRateScheduler', this.model));
  }
}
