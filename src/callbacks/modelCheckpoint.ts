/**
 * ModelCheckpoint (Keras `keras.callbacks.ModelCheckpoint`, keras/src/callbacks/model_checkpoint.py):
 * saves the model (`model.save(path)`) or its weights (`model.saveWeights(path)`) during training,
 * every epoch or every `saveFreq` batches, optionally only when the monitored value improved.
 *
 * Keras details, pinned by golden tests against the real Keras:
 * - `filepath` is a Python format string filled with `epoch` (1-based), `batch` (1-based, with an
 *   integer `saveFreq`) and every log key: `'w.{epoch:02d}-{val_loss:.2f}.onnx'` → `w.03-0.41.onnx`.
 *   The path is formatted before deciding whether to save, so a field missing from the logs is an
 *   error naming it even on epochs that do not save. Parent folders are created.
 * - `saveBestOnly`: improvement as in EarlyStopping with no minDelta, starting from
 *   `initialValueThreshold`; a missing monitored value warns and saves anyway. `best` is kept
 *   across fits (Keras does not reset it), so a second fit does not overwrite a better checkpoint.
 * - with an integer `saveFreq`, batches are counted across epochs; epoch ends do not save.
 * - messages as Keras prints them: `Epoch 3: val_loss improved from 0.41234 to 0.39870, saving
 *   model to PATH` (`None` the first time), `Epoch 4: val_loss did not improve from 0.39870`,
 *   `Epoch 3: finished saving model to PATH`.
 *
 * Deliberate difference from Keras: with `saveBestOnly` a non-finite monitored value (NaN, ±inf)
 * never counts as an improvement (Keras saves a NaN first epoch and then never saves again).
 * The writes themselves are model.save's: temporary file + rename, so an interrupted save never
 * leaves a partial file under the final name.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Model } from '../engine/model.js';
import { KernoError, ValueError, expectedMessage } from '../errors.js';
import { formatFixed } from '../metrics/pyFormat.js';
import { Callback, type Logs } from './callback.js';
import { type FormatTemplate, type FormatValue, formatTemplate, parseFormat } from './format.js';
import { type MonitorMode, Options, Warnings, isImprovement, requireModel, resolveDirection } from './monitor.js';

export interface ModelCheckpointArgs {
  /**
   * Where to save: a path, or a template with Python format fields such as `{epoch:02d}`,
   * `{batch}`, `{val_loss:.2f}` or any log key. Required.
   */
  filepath?: string;
  /** Log key compared by `saveBestOnly`. Defaults to `'val_loss'`. */
  monitor?: string;
  /** 0: silent; 1: prints a line per save decision. Defaults to `0`. */
  verbose?: number;
  /** Save only when the monitored value improved on the best so far. Defaults to `false`. */
  saveBestOnly?: boolean;
  /** Save with `model.saveWeights(path)` instead of `model.save(path)`. Defaults to `false`. */
  saveWeightsOnly?: boolean;
  /** `'min'`, `'max'`, or `'auto'` (the loss is minimised, a metric declares its direction). Defaults to `'auto'`. */
  mode?: MonitorMode;
  /** `'epoch'` to save at each epoch end, or a number of batches between saves. Defaults to `'epoch'`. */
  saveFreq?: 'epoch' | number;
  /** With `saveBestOnly`, the value the first checkpoint must beat. Defaults to none. */
  initialValueThreshold?: number;
}

const OPTIONS = ['filepath', 'monitor', 'verbose', 'saveBestOnly', 'saveWeightsOnly', 'mode', 'saveFreq', 'initialValueThreshold'];

/** The saving methods ModelCheckpoint calls (Model's ONNX `save` and `saveWeights`). */
interface Saver {
  save?: (path: string) => Promise<void>;
  saveWeights?: (path: string) => Promise<void>;
}

export class ModelCheckpoint extends Callback {
  readonly filepath: string;
  readonly monitor: string;
  readonly verbose: number;
  readonly saveBestOnly: boolean;
  readonly saveWeightsOnly: boolean;
  readonly mode: MonitorMode;
  readonly saveFreq: 'epoch' | number;
  /** Best monitored value saved so far (starts at `initialValueThreshold`); kept across fits, as Keras. */
  best: number | undefined;

  readonly #template: FormatTemplate;
  #direction: 'min' | 'max' | undefined;
  readonly #warnings = new Warnings();
  #currentEpoch = 0;
  #batchesSinceSave = 0;
  #lastBatch: number | undefined;

  /** `new ModelCheckpoint({filepath, ...})`, or Keras's positional form `new ModelCheckpoint(filepath, {...})`. */
  constructor(filepathOrArgs: string | ModelCheckpointArgs, args: Omit<ModelCheckpointArgs, 'filepath'> = {}) {
    super();
    const all: ModelCheckpointArgs = typeof filepathOrArgs === 'string' ? { ...args, filepath: filepathOrArgs } : filepathOrArgs;
    const o = new Options('ModelCheckpoint', all, OPTIONS);
    this.filepath = o.string('filepath', all.filepath);
    this.#template = parseFormat(this.filepath, o.where('filepath'));
    this.monitor = o.string('monitor', all.monitor, 'val_loss');
    this.verbose = o.verbose(all.verbose);
    this.saveBestOnly = o.bool('saveBestOnly', all.saveBestOnly, false);
    this.saveWeightsOnly = o.bool('saveWeightsOnly', all.saveWeightsOnly, false);
    this.mode = o.mode(all.mode);
    const freq = all.saveFreq ?? 'epoch';
    if (freq !== 'epoch' && !(typeof freq === 'number' && Number.isSafeInteger(freq) && freq >= 1)) {
      throw new ValueError(expectedMessage(o.where('saveFreq'), "'epoch' or a positive integer (batches between saves)", freq));
    }
    this.saveFreq = freq;
    this.best = o.optionalFinite('initialValueThreshold', all.initialValueThreshold);
    // Only a batch-level checkpoint listens to batches, so an epoch-level one costs nothing per batch.
    if (freq !== 'epoch') this.onTrainBatchEnd = (batch, logs) => this.#batchEnd(batch, logs);
  }

  override onTrainBegin(_logs?: Logs): void {
    this.#warnings.reset();
    // The monitor matters only for saveBestOnly (Keras resolves it regardless, at the first epoch end).
    if (this.saveBestOnly) this.#direction = resolveDirection('ModelCheckpoint', this.monitor, this.mode, this.model);
  }

  override onEpochBegin(epoch: number, _logs?: Logs): void {
    this.#currentEpoch = epoch;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void | Promise<void> {
    if (this.saveFreq === 'epoch') return this.#save(epoch, undefined, logs);
  }

  #batchEnd(batch: number, logs: Logs = {}): void | Promise<void> {
    // Keras `_should_save_on_batch`: a batch index not above the last one starts a new epoch.
    const add = this.#lastBatch === undefined || batch <= this.#lastBatch ? batch + 1 : batch - this.#lastBatch;
    this.#batchesSinceSave += add;
    this.#lastBatch = batch;
    if (this.#batchesSinceSave < (this.saveFreq as number)) return;
    this.#batchesSinceSave = 0;
    return this.#save(this.#currentEpoch, batch, logs);
  }

  /** The path for this epoch (and batch): Keras `_get_file_path`. */
  filePath(epoch: number, batch: number | undefined, logs: Logs): string {
    const values: Record<string, FormatValue> = { ...logs };
    values.epoch = BigInt(epoch + 1);
    if (batch !== undefined && !('batch' in logs)) values.batch = BigInt(batch + 1);
    return formatTemplate(this.#template, values, 'ModelCheckpoint: option "filepath"');
  }

  async #save(epoch: number, batch: number | undefined, logs: Logs): Promise<void> {
    const path = this.filePath(epoch, batch, logs);
    if (!this.#shouldSave(epoch, logs, path)) return;
    const model = requireModel('ModelCheckpoint', this.model);
    prepareFolder(path);
    await this.#write(model, path);
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: finished saving model to ${path}`);
  }

  /** Keras `_should_save_model`, printing its messages. */
  #shouldSave(epoch: number, logs: Logs, path: string): boolean {
    if (!this.saveBestOnly) {
      if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: saving model to ${path}`);
      return true;
    }
    const current = (logs as Record<string, unknown>)[this.monitor];
    if (current === undefined || current === null) {
      this.#warnings.warn(`Can save best model only with ${this.monitor} available.`);
      return true;
    }
    if (typeof current !== 'number') throw new ValueError(expectedMessage(`ModelCheckpoint: logs["${this.monitor}"]`, 'a number', current));
    const direction = (this.#direction ??= resolveDirection('ModelCheckpoint', this.monitor, this.mode, this.model));
    const bestText = this.best === undefined ? 'None' : formatFixed(this.best, 5);
    if (Number.isFinite(current) && isImprovement(direction, 0, current, this.best)) {
      if (this.verbose > 0) {
        console.log(`\nEpoch ${epoch + 1}: ${this.monitor} improved from ${bestText} to ${formatFixed(current, 5)}, saving model to ${path}`);
      }
      this.best = current;
      return true;
    }
    if (this.verbose > 0) console.log(`\nEpoch ${epoch + 1}: ${this.monitor} did not improve from ${bestText}`);
    return false;
  }

  async #write(model: Model, path: string): Promise<void> {
    const method = this.saveWeightsOnly ? 'saveWeights' : 'save';
    const fn = (model as unknown as Saver)[method];
    if (typeof fn !== 'function') {
      throw new KernoError(`ModelCheckpoint: model.${method}(path) is not available on model "${model.name}"; it is needed to write ${path}.`);
    }
    await fn.call(model, path);
  }
}

/** Creates the parent folders; a path that is an existing folder is an error, as in Keras. */
function prepareFolder(path: string): void {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // Missing: the usual case.
  }
  if (isDir) {
    throw new KernoError(expectedMessage('ModelCheckpoint: option "filepath"', 'a file path', path,
      'It names an existing directory; give a file name such as "best.onnx".'));
  }
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new KernoError(`ModelCheckpoint: could not create the folder "${dir}" for ${path}: ${(e as Error).message}`);
  }
}
