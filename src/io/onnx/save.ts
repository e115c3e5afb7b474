/**
 * A kerno model → one ONNX file (see the "ONNX format" section of design.md):
 *
 * - `graph`: the inference graph (src/io/onnx/export.ts) from input `input` `[batch, ...]`
 *   (channels-last) to output `output`, with every weight as a FLOAT `raw_data` initializer
 *   named `<layer>/<weight>`; opset 17 and IR version 8 by default.
 * - `metadata_props`: JSON under namespaced keys — `kerno.model` (class, name, input shape, each
 *   layer's class, configuration and weight names), `kerno.compile` (optimizer, loss and metrics
 *   as `{className, config}`) and, with the optimizer, `kerno.training` (the random-stream state:
 *   model key, training steps and shuffles taken, so dropout masks and shuffles continue).
 * - `training_info[0].algorithm.initializer` (with the optimizer): each slot of each trainable
 *   weight as `optimizer/<layer>/<weight>/<slot>` in the weight's Keras shape, and the step
 *   counter `optimizer/iterations` (INT64). onnxruntime ignores training_info.
 *
 * Everything is written in a fixed order from the model's state, so saving a loaded model
 * reproduces the file byte for byte. Files are written to a temporary file in the same folder
 * and renamed, so a failed save never destroys the previous file.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Model } from '../../engine/model.js';
import { KernoError, ValueError, expectedMessage } from '../../errors.js';
import { exportLayers } from './export.js';
import { DataType, type GraphProto, type ModelProto, type StringEntry, encodeModel, emptyGraph } from './onnxProto.js';
import { metricClassName } from './registry.js';
import { floatTensor, int64Tensor } from './tensors.js';

/** kerno's version, written as producer_version (kept equal to package.json's by a test). */
export const PRODUCER_VERSION = '0.1.0';
/** Version of kerno's metadata layout in the file. */
export const FORMAT_VERSION = 1;
export const META = Object.freeze({ model: 'kerno.model', compile: 'kerno.compile', training: 'kerno.training' });
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
export const ITERATIONS = 'optimizer/iterations';
export const STATE_GRAPH = 'kerno_optimizer_state';

/** ONNX IR version for each opset kerno writes (the lowest that allows it). */
const IR_VERSION: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

export interface SaveOptions {
  /**
   * Save the optimizer state (slots and step) and the random-stream state, so that `fit`
   * continues exactly where it stopped. Defaults to `true`. The compile configuration is saved
   * either way.
   */
  includeOptimizer?: boolean;
  /** ONNX opset, 17 to 21 (20 and 21 write GELU as the Gelu op). Defaults to `17` (IR version 8). */
  opset?: number;
}

interface Resolved {
  includeOptimizer: boolean;
  opset: number;
  /** saveWeights: no compile configuration and no optimizer. */
  weightsOnly: boolean;
}

function resolveOptions(where: string, o: SaveOptions | undefined): Resolved {
  if (o === undefined) return { includeOptimizer: true, opset: 17, weightsOnly: false };
  if (o === null || typeof o !== 'object') throw new ValueError(expectedMessage(`${where}: argument "options"`, 'an options object {includeOptimizer, opset}', o));
  const inc = o.includeOptimizer ?? true, opset = o.opset ?? 17;
  if (typeof inc !== 'boolean') throw new ValueError(expectedMessage(`${where}: option "includeOptimizer"`, 'a boolean', inc));
  if (!Object.hasOwn(IR_VERSION, opset)) throw new ValueError(expectedMessage(`${where}: option "opset"`, 'an integer from 17 to 21', opset));
  return { includeOptimizer: inc, opset, weightsOnly: false };
}

function requireBuilt(model: Model, where: string): void {
  if (model.built) return;
  try {
    model.countParams(); // builds a model whose input shape is declared
  } catch {
    throw new KernoError(`${where}: the model "${model.name}" is not built yet; set inputShape on the first layer, call build(shape), or fit it first.`);
  }
}

function docString(model: Model, compiled: boolean): string {
  const layers = model.layers.map((l) => l.className).join(' → ');
  const shape = (s: readonly number[] | undefined) => `[batch, ${(s ?? []).join(', ')}]`;
  let doc = `kerno Sequential model "${model.name}": ${layers}. Input "${INPUT_NAME}" ${shape(model.inputShape)} float32 ` +
    `(channels-last), output "${OUTPUT_NAME}" ${shape(model.outputShape)}.`;
  if (compiled) doc += ` Trained with ${model.optimizer!.className} on ${model.loss!.name}.`;
  return doc;
}

function modelMeta(model: Model): string {
  return JSON.stringify({
    format: FORMAT_VERSION, className: 'Sequential', name: model.name, inputShape: model.inputShape,
    layers: model.layers.map((l) => ({ className: l.className, config: l.getConfig(), weights: l.weights.map((w) => w.name) })),
  });
}

function compileMeta(model: Model): string {
  const opt = model.optimizer!, loss = model.loss!;
  return JSON.stringify({
    optimizer: { className: opt.className, config: opt.getConfig() },
    loss: { className: loss.className, config: loss.getConfig() },
    metrics: model.metrics.map((m) => ({ className: metricClassName(m) ?? m.constructor.name, config: m.getConfig() })),
  });
}

/** The optimizer state as tensors: per trainable weight and slot, then the step counter. */
function optimizerState(model: Model): GraphProto {
  const core = model.core('save', undefined), arena = core.runner.arena, opt = model.optimizer!;
  const g = emptyGraph(STATE_GRAPH);
  g.docString = 'kerno optimizer state: slot values per trainable weight (Keras layout) and the step counter; not used for inference.';
  const slots = opt.slots();
  arena.segments.forEach((seg, i) => {
    const w = arena.trainable[i];
    for (const s of slots) g.initializer.push(floatTensor(`optimizer/${seg.name}/${s.name}`, s.values.subarray(seg.offset, seg.offset + seg.size), w.shape));
  });
  g.initializer.push(int64Tensor(ITERATIONS, [opt.iterations], []));
  return g;
}

/** The ModelProto of a model (tensors reference the model's memory until written). */
export function modelProto(model: Model, o: Resolved): ModelProto {
  requireBuilt(model, o.weightsOnly ? 'saveWeights' : 'save');
  const compiled = !o.weightsOnly && model.loss !== undefined;
  // Resolves the compiled metrics and allocates the optimizer slots, as the first fit would.
  if (compiled) model.core('save', undefined);
  // On a device, the weights come down before they are read (the optimizer slots do in slots()).
  model.hostWeights('read');
  const b = exportLayers(model.layers, model.inputShape!, o.opset, INPUT_NAME, OUTPUT_NAME);
  const graph: GraphProto = {
    node: b.nodes, name: model.name, initializer: b.initializers, docString: docString(model, compiled),
    input: [{ name: INPUT_NAME, elemType: DataType.FLOAT, shape: [{ param: 'batch' }, ...model.inputShape!.map((value) => ({ value }))],
      docString: 'Samples, channels-last ([batch, height, width, channels] for images).' }],
    output: [{ name: OUTPUT_NAME, elemType: DataType.FLOAT, shape: [{ param: 'batch' }, ...model.outputShape!.map((value) => ({ value }))] }],
    valueInfo: [],
  };
  const meta: StringEntry[] = [{ key: META.model, value: modelMeta(model) }];
  if (compiled) meta.push({ key: META.compile, value: compileMeta(model) });
  const trainingInfo = [];
  if (compiled && o.includeOptimizer) {
    const r = model.randomState();
    meta.push({ key: META.training, value: JSON.stringify({ modelKey: r.modelKey?.toString(16) ?? null, steps: r.steps, shuffles: r.shuffles }) });
    trainingInfo.push({ algorithm: optimizerState(model), initializationBinding: [], updateBinding: [] });
  }
  return {
    irVersion: IR_VERSION[o.opset], opsetImport: [{ domain: '', version: o.opset }], producerName: 'kerno',
    producerVersion: PRODUCER_VERSION, domain: 'kerno', modelVersion: FORMAT_VERSION, docString: graph.docString!,
    graph, metadataProps: meta, trainingInfo,
  };
}

/** The model as ONNX bytes (model.save's content). */
export function modelToBuffer(model: Model, options?: SaveOptions): Uint8Array {
  return encodeModel(modelProto(model, resolveOptions('toBuffer', options))).finish();
}

/** The weights file's bytes: the inference graph and architecture, without compile or optimizer state. */
export function weightsToBuffer(model: Model): Uint8Array {
  return encodeModel(modelProto(model, { includeOptimizer: false, opset: 17, weightsOnly: true })).finish();
}

function checkPath(where: string, path: unknown): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new ValueError(expectedMessage(`${where}: argument "path"`, 'a non-empty file path', path));
  return path;
}

/**
 * Writes chunks to `path` atomically: a temporary file in the same folder, flushed to disk, then
 * renamed over `path`. On any failure the temporary file is removed and `path` is untouched.
 */
export async function writeFileAtomic(path: string, chunks: readonly Uint8Array[], where: string): Promise<void> {
  const target = resolve(path), tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle;
  try {
    handle = await open(tmp, 'wx', 0o644);
    for (const c of chunks) {
      for (let at = 0; at < c.length;) {
        const { bytesWritten } = await handle.write(c, at, c.length - at);
        at += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, target);
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw new KernoError(`${where}: could not write "${path}": ${(e as Error).message}`, { cause: e });
  }
}

/** `model.save(path, options)`: the whole model as one ONNX file. */
export async function saveModel(model: Model, path: string, options?: SaveOptions): Promise<void> {
  checkPath('save', path);
  const proto = modelProto(model, resolveOptions('save', options));
  await writeFileAtomic(path, encodeModel(proto).chunks(), 'save');
}

/** `model.saveWeights(path)`: the weights (and the architecture they belong to) as an ONNX file. */
export async function saveWeights(model: Model, path: string): Promise<void> {
  checkPath('saveWeights', path);
  const proto = modelProto(model, { includeOptimizer: false, opset: 17, weightsOnly: true });
  await writeFileAtomic(path, encodeModel(proto).chunks(), 'saveWeights');
}
