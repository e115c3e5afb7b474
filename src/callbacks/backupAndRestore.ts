/**
 * BackupAndRestore (Keras 3 `keras.callbacks.BackupAndRestore`, epoch frequency): at the end of
 * every epoch it writes the whole training state into `backupDir`, and the next `fit` with a
 * callback on the same folder resumes at the epoch after the last completed one, so an
 * interrupted training ends with the weights an uninterrupted one reaches.
 *
 * Files (each written atomically, temporary file + rename):
 * - `latest.onnx`: `model.save` with the optimizer — weights, optimizer slots and step counter,
 *   and the random-stream state (dropout masks and epoch shuffles continue where they stopped).
 *   Keras saves only `latest.weights.h5` (its RNG state lives in seed variables inside the weights).
 * - `training_metadata.json`: `{"epoch": <epochs completed>, "batch": 0}` as Keras writes it.
 *
 * As in Keras, the folder is deleted when training ends normally (`onTrainEnd`); an error thrown
 * out of `fit` skips `onTrainEnd`, which is what keeps the backup. The epoch-based resume needs
 * the training loop to read `model.resumeEpoch` after `onTrainBegin` (Keras `model._initial_epoch`).
 * Keras's `save_freq` (batch-level backups) and `double_checkpoint` are not implemented.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../engine/model.js';
import { KernoError, ValueError, expectedMessage } from '../errors.js';
import { loadModel } from '../io/onnx/index.js';
import { writeFileAtomic } from '../io/onnx/save.js';
import { Callback, type Logs } from './callback.js';

export class BackupAndRestore extends Callback {
  /** The folder holding the backup (created when the first epoch ends). */
  readonly backupDir: string;
  readonly #modelPath: string;
  readonly #metadataPath: string;

  /** @param backupDir a folder used only by this training (Keras: required, no default). */
  constructor(backupDir: string) {
    super();
    if (typeof backupDir !== 'string' || backupDir.length === 0 || backupDir.includes('\0')) {
      throw new ValueError(expectedMessage('BackupAndRestore: argument "backupDir"', 'a non-empty folder path', backupDir));
    }
    this.backupDir = backupDir;
    this.#modelPath = join(backupDir, 'latest.onnx');
    this.#metadataPath = join(backupDir, 'training_metadata.json');
  }

  #requireModel(where: string): Model {
    const m = this.model;
    if (!m) throw new KernoError(`BackupAndRestore.${where}: no model is set; pass the callback to model.fit.`);
    return m;
  }

  /** Restores the backup, if any: weights, optimizer state, random streams, and the epoch to resume at. */
  override async onTrainBegin(_logs?: Logs): Promise<void> {
    const model = this.#requireModel('onTrainBegin');
    if (!existsSync(this.#metadataPath) || !existsSync(this.#modelPath)) return;
    let epoch: unknown;
    try {
      epoch = (JSON.parse(readFileSync(this.#metadataPath, 'utf8')) as { epoch?: unknown }).epoch;
    } catch (e) {
      throw new KernoError(`BackupAndRestore: could not read "${this.#metadataPath}": ${(e as Error).message}`, { cause: e });
    }
    if (!Number.isSafeInteger(epoch) || (epoch as number) < 0) {
      throw new ValueError(expectedMessage(`BackupAndRestore: "epoch" in "${this.#metadataPath}"`, 'a non-negative integer', epoch));
    }
    const saved = await loadModel(this.#modelPath);
    const ours = model.optimizer, theirs = saved.optimizer;
    if (!ours || !theirs || ours.className !== theirs.className) {
      throw new KernoError(`BackupAndRestore: the backup in "${this.backupDir}" was made with optimizer ${theirs?.className ?? 'none'}, ` +
        `but the model is compiled with ${ours?.className ?? 'none'}; use a new backupDir for a different training.`);
    }
    const r = saved.randomState();
    // First: restoring the random state rebuilds the layers' streams.
    if (r.modelKey !== undefined) model.restoreRandomState({ modelKey: r.modelKey, steps: r.steps, shuffles: r.shuffles });
    model.setWeights(saved.getWeights()); // checks the architecture matches
    model.core('BackupAndRestore', undefined); // allocates the optimizer slots, as fit does
    const src = theirs.slots(), dst = ours.slots();
    dst.forEach((s, i) => s.values.set(src[i].values));
    ours.iterations = theirs.iterations;
    // A rate changed by ReduceLROnPlateau is part of the state (a Keras variable, saved with it).
    if (typeof theirs.learningRate === 'number' && typeof ours.learningRate === 'number') ours.learningRate = theirs.learningRate;
    model.resumeEpoch = epoch as number;
  }

  /** Backs up the state after the epoch (`epoch` is 0-based; the file says how many are done). */
  override async onEpochEnd(epoch: number, _logs?: Logs): Promise<void> {
    const model = this.#requireModel('onEpochEnd');
    mkdirSync(this.backupDir, { recursive: true });
    await model.save(this.#modelPath);
    await writeFileAtomic(this.#metadataPath, [new TextEncoder().encode(JSON.stringify({ epoch: epoch + 1, batch: 0 }))], 'BackupAndRestore');
  }

  /** Training finished: the backup is no longer needed (Keras `delete_checkpoint=True`). */
  override onTrainEnd(_logs?: Logs): void {
    rmSync(this.backupDir, { recursive: true, force: true });
  }
}
