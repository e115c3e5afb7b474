/**
 * ONNX save and load. `model.save(path)` writes one `.onnx` file that onnxruntime runs as it is
 * and that `loadModel(path)` turns back into a model that continues training where it stopped;
 * `model.saveWeights` / `model.loadWeights` move weights between models of the same architecture.
 * The format is described in src/io/onnx/save.ts and the "ONNX format" section of design.md;
 * `loadModel` also imports PyTorch and tf2onnx graphs of the supported ops (src/io/onnx/foreign.ts).
 */
import type { Model } from '../../engine/model.js';
import type { Sequential } from '../../engine/sequential.js';
import { type LoadOptions, modelFromProto } from './import.js';
import { asBytes, decodeBuffer, readModelFile } from './read.js';
import { type SaveOptions, modelToBuffer as toBuffer, saveModel as save, saveWeights as saveW, weightsToBuffer } from './save.js';
import { loadWeights as loadW, loadWeightsFromBuffer } from './weights.js';

export { ModelFormatError } from './errors.js';
export type { LoadOptions, SaveOptions };
export { weightsToBuffer, loadWeightsFromBuffer };

/**
 * Loads a model saved by `model.save` (Keras `load_model`): architecture, weights, moving
 * statistics and, unless `compile: false`, the compile configuration and optimizer state.
 * Other ONNX models (PyTorch, tf2onnx) made of the ops kerno has layers for are imported as
 * uncompiled, trainable models taking channels-last input (see src/io/onnx/foreign.ts).
 * Throws ModelFormatError for a malformed file or an op kerno cannot import, naming the field or node.
 */
export async function loadModel(path: string, options?: LoadOptions): Promise<Sequential> {
  return modelFromProto(await readModelFile(path, 'loadModel'), options, 'loadModel');
}

/** `loadModel` from bytes in memory (what `model.toBuffer()` returns). */
export function modelFromBuffer(buffer: Uint8Array | ArrayBuffer, options?: LoadOptions): Sequential {
  return modelFromProto(decodeBuffer(asBytes('modelFromBuffer', buffer)), options, 'modelFromBuffer');
}

/** Same as `model.save(path, options)`. */
export function saveModel(model: Model, path: string, options?: SaveOptions): Promise<void> {
  return save(model, path, options);
}

/** Same as `model.toBuffer(options)`: the bytes `model.save` writes. */
export function modelToBuffer(model: Model, options?: SaveOptions): Uint8Array {
  return toBuffer(model, options);
}

/** Same as `model.saveWeights(path)`. */
export function saveWeights(model: Model, path: string): Promise<void> {
  return saveW(model, path);
}

/** Same as `model.loadWeights(path)`. */
export function loadWeights(model: Model, path: string): Promise<void> {
  return loadW(model, path);
}
