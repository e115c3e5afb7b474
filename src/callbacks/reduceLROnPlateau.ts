/**
 * ReduceLROnPlateau (Keras `keras.callbacks.ReduceLROnPlateau`,
 * keras/src/callbacks/reduce_lr_on_plateau.py): multiplies the optimizer's learning rate by
 * `factor` when the monitored value has stopped improving.
 *
 * Keras 3's exact counting, pinned by golden tests against the real Keras (PyTorch's scheduler
 * counts differently and uses a relative threshold; this does not):
 * - at each epoch end, first `logs.learning_rate` is set to the current rate (so History, CSVLogger
 *   and the progress bar show it), then, if the monitored value is present:
 * - in cooldown: `cooldownCounter −= 1; wait = 0`;
 * - an improvement (`current − minDelta`, minDelta absolute, beats `best`) sets `best`, `wait = 0`;
 * - otherwise, when not in cooldown: `wait += 1`, and at `wait >= patience` the rate becomes
 *   `max(lr·factor, minLr)` if `lr > minLr`, then `cooldownCounter = cooldown; wait = 0`.
 *
 * The rate is read as Keras reads its float32 variable, so logs and messages show Keras's values
 * (`0.010000000149011612` after reducing 0.1). SGD with momentum keeps its velocity, into which
 * Keras folds the learning rate, so a reduction damps new steps only, as in Keras.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { formatRepr } from '../metrics/pyFormat.js';
import { Callback, type Logs } from './callback.js';
import {
  type MonitorMode, Options, Warnings, isImprovement, readLearningRate, requireModel, resolveDirection, writeLearningRate,
} from './monitor.js';

export interface ReduceLROnPlateauArgs {
  /** Log key to watch. Defaults to `'val_loss'`. */
  monitor?: string;
  /** Factor the learning rate is multiplied by, in (0, 1). Defaults to `0.1`. */
  factor?: number;
  /** Epochs without improvement after which the rate is reduced. Defaults to `10`. */
  patience?: number;
  /** 0: silent; 1: prints `Epoch N: ReduceLROnPlateau reducing learning rate to X.`. Defaults to `0`. */
  verbose?: number;
  /** `'min'`, `'max'`, or `'auto'` (the loss is minimised, a metric declares its direction). Defaults to `'auto'`. */
  mode?: MonitorMode;
  /** Smallest absolute change that counts as an improvement. Defaults to `1e-4`. */
  minDelta?: number;
  /** Epochs after a reduction during which no new reduction is counted. Defaults to `0`. */
  cooldown?: number;
  /** Lower bound of the learning rate. Defaults to `0`. */
  minLr?: number;
}

const OPTIONS = ['monitor', 'factor', 'patience', 'verbose', 'mode', 'minDelta', 'cooldown', 'minLr'];

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: MonitorMode;
  /** `|minDelta|`. */
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;

  /** Epochs without improvement counted towards `patience`. */
  wait = 0;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** The best monitored value so far; undefined before the first. */
  best: number | undefined = undefined;

  #direction: 'min' | 'max' | undefined;
  readonly #warnings = new Warnings();

  constructor(args: ReduceLROnPlateauArgs = {}) {
    super();
    const o = new Options('ReduceLROnPlateau', args, OPTIONS);
    this.monitor = o.string('monitor', args.monitor, 'val_loss');
    const factor = args.factor ?? 0.1;
    // Keras rejects factor >= 1.0; a factor <= 0 would set a rate of 0 or below, which no optimizer takes.
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) {
      throw new ValueError(expectedMessage(o.where('factor'), 'a number in (0, 1) (ReduceLROnPlateau does not support a factor >= 1.0)', factor));
    }
    this.factor = factor;
    this.patience = o.int('patience', args.patience, 10);
    this.verbose = o.verbose(args.verbose);
    this.mode = o.mode(args.mode);
    this.minDelta = Math.abs(o.finite('minDelta', args.minDelta, 1e-4));
    this.cooldown = o.int('cooldown', args.cooldown, 0);
    this.minLr = o.finite('minLr', args.minLr, 0);
    if (this.minLr < 0) throw new ValueError(expectedMessage(o.where('minLr'), 'a finite number >= 0', this.minLr));
  }

  override onTrainBegin(_logs?: Logs): void {
    this.best = undefined;
    this.cooldownCounter = 0;
    this.wait = 0;
    this.#warnings.reset();
    this.#direction = resolveDirection('ReduceLROnPlateau', this.monitor, this.mode, this.model);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const direction = (this.#direction ??= resolveDirection('ReduceLROnPlateau', this.monitor, this.mode, this.model));
    const model = requireModel('ReduceLROnPlateau', this.model);
    // The same object goes on to the later callbacks (History last): they see the rate too.
    if (!Object.isFrozen(logs)) logs.learning_rate = readLearningRate('ReduceLROnPlateau', model);
    const current = (logs as Record<string, unknown>)[this.monitor];
    if (current === undefined || current === null) {
      this.#warnings.warn(`Learning rate reduction is conditioned on metric \`${this.monitor}\` which is not available. ` +
        `Available metrics are: ${Object.keys(logs).join(',')}.`);
      return;
    }
    if (typeof current !== 'number') throw new ValueError(expectedMessage(`ReduceLROnPlateau: logs["${this.monitor}"]`, 'a number', current));
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (isImprovement(direction, this.minDelta, current, this.best)) {
      this.best = current;
      this.wait = 0;
    } else if (!(this.cooldownCounter > 0)) {
      this.wait += 1;
      if (this.wait >= this.patience && this.#reduce(epoch)) {
        this.cooldownCounter = this.cooldown;
        this.wait = 0;
      }
    }
  }

  /** Keras `_reduce_optimizer_lr`: reduces unless the rate is already at `minLr` (compared in float32). */
  #reduce(epoch: number): boolean {
    const model = requireModel('ReduceLROnPlateau', this.model);
    const old = readLearningRate('ReduceLROnPlateau', model);
    if (!(old > Math.fround(this.minLr))) return false;
    const lr = Math.max(old * this.factor, this.minLr);
    writeLearningRate('ReduceLROnPlateau', model, lr);
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ReduceLROnPlateau reducing learning rate to ${formatRepr(lr)}.`);
    return true;
  }
}
