/**
 * EarlyStopping (Keras `keras.callbacks.EarlyStopping`, keras/src/callbacks/early_stopping.py):
 * stops training when the monitored value has stopped improving.
 *
 * Keras 3's exact counting, pinned by golden tests against the real Keras:
 * - each epoch from `startFromEpoch` on with the value in the logs: `wait += 1`; on an
 *   improvement (`current − minDelta` beats `best` in the monitored direction; the first value
 *   always does) `best` and the best epoch are recorded and `wait` is reset to 0 only if there is
 *   no `baseline` or the value also beats it;
 * - otherwise training stops when `wait >= patience` and `epoch > 0`: patience 3 after a best
 *   epoch 0 runs 4 epochs;
 * - with `restoreBestWeights` the best epoch's weights are restored at the end of training in every
 *   case (stopped here, all epochs run, or stopped by another callback), even when no epoch beat
 *   `baseline` (the best epoch seen is restored).
 */
import type { Tensor } from '../tensor.js';
import { ValueError, expectedMessage } from '../errors.js';
import { Callback, type Logs } from './callback.js';
import { type MonitorMode, Options, Warnings, isImprovement, requireModel, resolveDirection } from './monitor.js';

export interface EarlyStoppingArgs {
  /** Log key to watch, e.g. `'val_loss'`, `'val_accuracy'`, `'loss'`. Defaults to `'val_loss'`. */
  monitor?: string;
  /** Smallest change that counts as an improvement (its absolute value is used). Defaults to `0`. */
  minDelta?: number;
  /** Epochs without improvement after which training stops. Defaults to `0`. */
  patience?: number;
  /** 0: silent; 1: prints `Epoch N: early stopping` and the restoring message. Defaults to `0`. */
  verbose?: number;
  /**
   * `'min'` (stop when the value stops decreasing), `'max'` (stops increasing), or `'auto'`: the loss
   * is minimised and a compiled metric uses the direction it declares; other keys are an error.
   * Defaults to `'auto'`.
   */
  mode?: MonitorMode;
  /** A value the monitored quantity must beat for `wait` to reset. Defaults to none. */
  baseline?: number;
  /** Restore the weights of the best epoch at the end of training. Defaults to `false`. */
  restoreBestWeights?: boolean;
  /** Epochs to let pass (0-based epoch index) before monitoring starts, as a warm-up. Defaults to `0`. */
  startFromEpoch?: number;
}

const OPTIONS = ['monitor', 'minDelta', 'patience', 'verbose', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch'];

export class EarlyStopping extends Callback {
  readonly monitor: string;
  /** `|minDelta|`. */
  readonly minDelta: number;
  readonly patience: number;
  readonly verbose: number;
  readonly mode: MonitorMode;
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;

  /** Monitored epochs since the last improvement that beat the baseline. */
  wait = 0;
  /** The 0-based epoch at which this callback stopped training; 0 when it did not. */
  stoppedEpoch = 0;
  /** The best monitored value so far; undefined before the first monitored epoch. */
  best: number | undefined = undefined;
  /** The 0-based epoch of `best` (of the weights that would be restored). */
  bestEpoch = 0;
  /** Copies of the best epoch's weights (with `restoreBestWeights`). */
  bestWeights: Tensor[] | undefined = undefined;

  #direction: 'min' | 'max' | undefined;
  readonly #warnings = new Warnings();

  constructor(args: EarlyStoppingArgs = {}) {
    super();
    const o = new Options('EarlyStopping', args, OPTIONS);
    this.monitor = o.string('monitor', args.monitor, 'val_loss');
    this.minDelta = Math.abs(o.finite('minDelta', args.minDelta, 0));
    this.patience = o.int('patience', args.patience, 0);
    this.verbose = o.verbose(args.verbose);
    this.mode = o.mode(args.mode);
    this.baseline = o.optionalFinite('baseline', args.baseline);
    this.restoreBestWeights = o.bool('restoreBestWeights', args.restoreBestWeights, false);
    this.startFromEpoch = o.int('startFromEpoch', args.startFromEpoch, 0);
  }

  /** 'min' or 'max', once resolved (at the start of training). */
  get direction(): 'min' | 'max' | undefined {
    return this.#direction;
  }

  override onTrainBegin(_logs?: Logs): void {
    // Reset so one instance can be reused across fits (Keras does the same).
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.best = undefined;
    this.bestWeights = undefined;
    this.bestEpoch = 0;
    this.#warnings.reset();
    // Keras resolves 'auto' at the first epoch end; resolving here fails before an epoch is spent.
    this.#direction = resolveDirection('EarlyStopping', this.monitor, this.mode, this.model);
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    const direction = (this.#direction ??= resolveDirection('EarlyStopping', this.monitor, this.mode, this.model));
    const current = this.#value(logs);
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === undefined) {
      // The first monitored epoch's weights are the best so far.
      this.bestWeights = requireModel('EarlyStopping', this.model).getWeights();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (isImprovement(direction, this.minDelta, current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = requireModel('EarlyStopping', this.model).getWeights();
      // Only restart the count when the value beats both the previous best and the baseline.
      if (this.baseline === undefined || isImprovement(direction, this.minDelta, current, this.baseline)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      requireModel('EarlyStopping', this.model).stopTraining = true;
    }
  }

  override onTrainEnd(_logs?: Logs): void {
    if (this.stoppedEpoch > 0 && this.verbose > 0) console.log(`Epoch ${this.stoppedEpoch + 1}: early stopping`);
    if (this.restoreBestWeights && this.bestWeights !== undefined) {
      if (this.verbose > 0) console.log(`Restoring model weights from the end of the best epoch: ${this.bestEpoch + 1}.`);
      requireModel('EarlyStopping', this.model).setWeights(this.bestWeights);
    }
  }

  #value(logs: Logs): number | undefined {
    const v = (logs as Record<string, unknown>)[this.monitor];
    if (v === undefined || v === null) {
      this.#warnings.warn(`Early stopping conditioned on metric \`${this.monitor}\` which is not available. ` +
        `Available metrics are: ${Object.keys(logs).join(',')}`);
      return undefined;
    }
    if (typeof v !== 'number') throw new ValueError(expectedMessage(`EarlyStopping: logs["${this.monitor}"]`, 'a number', v));
    return v;
  }
}
