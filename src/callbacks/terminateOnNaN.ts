/**
 * TerminateOnNaN (Keras `keras.callbacks.TerminateOnNaN`): checks the loss after every training
 * batch and stops training when it is NaN or ±Infinity. By default the stop is graceful
 * (`model.stopTraining = true`: the epoch ends, `onEpochEnd` and `onTrainEnd` still run, so
 * EarlyStopping can still restore its best weights); with `raiseError` fit rejects at once and
 * no further hook runs.
 */
import { KernoError } from '../errors.js';
import { formatRepr } from '../metrics/pyFormat.js';
import { Callback, type Logs } from './callback.js';
import { Options, requireModel } from './monitor.js';

export interface TerminateOnNaNArgs {
  /** Throw from fit instead of stopping gracefully. Defaults to `false`. */
  raiseError?: boolean;
}

export class TerminateOnNaN extends Callback {
  readonly raiseError: boolean;

  constructor(args: TerminateOnNaNArgs = {}) {
    super();
    this.raiseError = new Options('TerminateOnNaN', args, ['raiseError']).bool('raiseError', args.raiseError, false);
  }

  // Keras implements the legacy on_batch_end, which the default onTrainBatchEnd forwards to.
  override onBatchEnd(batch: number, logs: Logs = {}): void {
    const loss = logs.loss;
    if (typeof loss !== 'number' || Number.isFinite(loss)) return;
    if (this.raiseError) {
      throw new KernoError(`NaN or Inf loss encountered at batch ${batch}. Loss value: ${formatRepr(loss)}. Terminating training immediately.`);
    }
    console.log(`Batch ${batch}: Invalid loss, terminating training`);
    requireModel('TerminateOnNaN', this.model).stopTraining = true;
  }
}
