/**
 * The Callback base class (Keras `keras.callbacks.Callback`): hooks the training, evaluation and
 * prediction loops call in Keras's order. Every hook may be async; the loops await a hook only
 * when it returns a promise, so synchronous callbacks cost no event-loop turn per batch.
 *
 * Subclass it (the model and the loop parameters are set on `model` and `params` before
 * `onTrainBegin`), or pass a plain object with some of the hook functions to `fit`:
 * `{ onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) }`.
 *
 * Epochs and batches are 0-based in hooks, as in Keras. Log keys are Keras's: `loss`, metric
 * names such as `accuracy`, and `val_`-prefixed validation values; keys are sorted, as Keras's
 * CallbackList sorts them.
 */
import type { Model } from '../engine/model.js';
import type { Tensor } from '../tensor.js';

/** Values passed to hooks: metric name → value (plain numbers). */
export type Logs = Record<string, number>;

/** Logs of `onPredictBatchEnd`: the batch's predictions (Keras passes `{"outputs": ...}`). */
export interface PredictBatchLogs {
  outputs: Tensor;
}

/** What `params` holds during `fit` (Keras `{verbose, epochs, steps}`); `steps` is null when unknown. */
export interface CallbackParams {
  verbose: number;
  epochs: number;
  steps: number | null;
}

type Hook<A extends unknown[]> = (...args: A) => void | Promise<void>;

/** The hooks, all optional; what `fit`, `evaluate` and `predict` accept as callbacks besides Callback instances. */
export interface CallbackHooks {
  onTrainBegin?: Hook<[logs: Logs]>;
  /** Receives the last epoch's logs. */
  onTrainEnd?: Hook<[logs: Logs]>;
  onEpochBegin?: Hook<[epoch: number, logs: Logs]>;
  /** Receives the epoch's training logs plus `val_*` logs when validation ran this epoch. */
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  onTrainBatchBegin?: Hook<[batch: number, logs: Logs]>;
  /** Receives the running (epoch-so-far) values of the loss and metrics, as Keras. */
  onTrainBatchEnd?: Hook<[batch: number, logs: Logs]>;
  onTestBegin?: Hook<[logs: Logs]>;
  onTestEnd?: Hook<[logs: Logs]>;
  onTestBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onTestBatchEnd?: Hook<[batch: number, logs: Logs]>;
  onPredictBegin?: Hook<[logs: Logs]>;
  onPredictEnd?: Hook<[logs: Logs]>;
  onPredictBatchBegin?: Hook<[batch: number, logs: Logs]>;
  onPredictBatchEnd?: Hook<[batch: number, logs: PredictBatchLogs]>;
  /** Legacy alias Keras still calls from the default `onTrainBatchBegin`. */
  onBatchBegin?: Hook<[batch: number, logs: Logs]>;
  /** Legacy alias Keras still calls from the default `onTrainBatchEnd`. */
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
}

/** The hook names, in the order Keras documents them. */
export const HOOK_NAMES = [
  'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onTrainBatchBegin', 'onTrainBatchEnd',
  'onTestBegin', 'onTestEnd', 'onTestBatchBegin', 'onTestBatchEnd', 'onPredictBegin', 'onPredictEnd',
  'onPredictBatchBegin', 'onPredictBatchEnd', 'onBatchBegin', 'onBatchEnd',
] as const satisfies readonly (keyof CallbackHooks)[];

export type HookName = (typeof HOOK_NAMES)[number];

/**
 * Base class of callbacks. Every hook does nothing by default, except that the train-batch hooks
 * forward to the legacy `onBatchBegin`/`onBatchEnd`, as in Keras.
 */
export class Callback implements Required<CallbackHooks> {
  /** The model being trained, evaluated or run; set by the loop before the first hook. */
  model: Model | undefined = undefined;
  /** Parameters of the running loop (`{verbose, epochs, steps}`); set by the loop before the first hook. */
  params: CallbackParams | undefined = undefined;

  setModel(model: Model): void {
    this.model = model;
  }

  setParams(params: CallbackParams): void {
    this.params = params;
  }

  onTrainBegin(logs: Logs): void | Promise<void> {}
  onTrainEnd(logs: Logs): void | Promise<void> {}
  onEpochBegin(epoch: number, logs: Logs): void | Promise<void> {}
  onEpochEnd(epoch: number, logs: Logs): void | Promise<void> {}
  onTrainBatchBegin(batch: number, logs: Logs): void | Promise<void> {
    return this.onBatchBegin(batch, logs);
  }
  onTrainBatchEnd(batch: number, logs: Logs): void | Promise<void> {
    return this.onBatchEnd(batch, logs);
  }
  onTestBegin(logs: Logs): void | Promise<void> {}
  onTestEnd(logs: Logs): void | Promise<void> {}
  onTestBatchBegin(batch: number, logs: Logs): void | Promise<void> {}
  onTestBatchEnd(batch: number, logs: Logs): void | Promise<void> {}
  onPredictBegin(logs: Logs): void | Promise<void> {}
  onPredictEnd(logs: Logs): void | Promise<void> {}
  onPredictBatchBegin(batch: number, logs: Logs): void | Promise<void> {}
  onPredictBatchEnd(batch: number, logs: PredictBatchLogs): void | Promise<void> {}
  onBatchBegin(batch: number, logs: Logs): void | Promise<void> {}
  onBatchEnd(batch: number, logs: Logs): void | Promise<void> {}
}
