/**
 * History (Keras `keras.callbacks.History`): the callback every `fit` adds after the user's
 * callbacks; `fit` returns it. `history` maps each log key to its per-epoch values, `epoch` lists
 * the 0-based epochs that ran, `params` is `{verbose, epochs, steps}`.
 */
import { Callback, type Logs } from '../callbacks/callback.js';

export class History extends Callback {
  /** Per-epoch values by log key, e.g. `{ loss: [0.5, 0.4], val_loss: [0.6, 0.5] }`. */
  readonly history: Record<string, number[]> = {};
  /** The 0-based indices of the epochs that ran (start at `initialEpoch`). */
  epoch: number[] = [];

  override onTrainBegin(): void {
    this.epoch = [];
  }

  override onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
    // Keras sets model.history after each epoch, so it is the latest even if training stops.
    if (this.model) this.model.history = this;
  }
}
