/**
 * ONNX → kerno model. Files without kerno's metadata are imported as foreign graphs
 * (src/io/onnx/foreign.ts). For files kerno wrote: the architecture comes from `kerno.model`, weights
 * from the graph's initializers (converted back to Keras's layouts), the compile configuration
 * from `kerno.compile`, and the optimizer slots, step counter and random-stream state from
 * `training_info` and `kerno.training`, so `fit` continues exactly where it stopped.
 *
 * Nothing is allocated from the file's say-so before it is checked: layers are created from
 * their options (which allocate nothing), the shape of every layer's output is computed and
 * bounded, and every weight the layers will create is matched in name and shape against the
 * file's tensors, whose sizes the reader already checked against the file, before the model is
 * built. Any inconsistency is a ModelFormatError naming the layer and weight.
 */
import type { Layer } from '../../engine/layer.js';
import { Sequential } from '../../engine/sequential.js';
import { ValueError, expectedMessage } from '../../errors.js';
import { InputLayer } from '../../layers/inputLayer.js';
import { ModelFormatError, formatError } from './errors.js';
import { foreignModel } from './foreign.js';
import { expectedWeights } from './layouts.js';
import type { ModelProto, TensorProto } from './onnxProto.js';
import {
  MAX_SAMPLE_ELEMENTS, type SavedLayer, architecture, initializerMap, isObject, metadata, parseJson, shapeText, checkedWeight, decodeWeight, type PendingWeight,
} from './read.js';
import { describeJson, makeLayer, makeLoss, makeMetric, makeOptimizer, serialized } from './registry.js';
import { ITERATIONS, META } from './save.js';
import { readFloats, readInts } from './tensors.js';

export interface LoadOptions {
  /**
   * Compile the model with the saved optimizer (and its state), loss and metrics, as Keras's
   * `load_model(compile=True)`. Defaults to `true`; with `false` the model is only built, with
   * its weights. Imported foreign models are never compiled (they hold no training configuration).
   */
  compile?: boolean;
}

function loadOptions(where: string, o: LoadOptions | undefined): { compile: boolean } {
  if (o === undefined) return { compile: true };
  if (o === null || typeof o !== 'object') throw new ValueError(expectedMessage(`${where}: argument "options"`, 'an options object {compile}', o));
  if (o.compile !== undefined && typeof o.compile !== 'boolean') throw new ValueError(expectedMessage(`${where}: option "compile"`, 'a boolean', o.compile));
  return { compile: o.compile ?? true };
}

function layerWhere(i: number, l: { className: string; name: string }): string {
  return `layer ${i} "${l.name}" (${l.className})`;
}

/** Wraps errors of kerno's own constructors and shape checks as ModelFormatError. */
function guard<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

function createLayer(saved: SavedLayer, i: number): Layer {
  const where = `${layerWhere(i, saved)} in metadata_props["${META.model}"]`;
  const layer = guard(where, () => makeLayer({ className: saved.className, config: saved.config }, where));
  // The configuration must reproduce itself, or the file holds options kerno would ignore.
  if (JSON.stringify(layer.getConfig()) !== JSON.stringify(saved.config))
    throw new ModelFormatError(`${where}: the configuration does not describe a ${saved.className} exactly as kerno saves it (unknown or altered options).`);
  return layer;
}

/** Builds the model from a decoded kerno file. */
export function modelFromProto(proto: ModelProto, options: LoadOptions | undefined, where: string): Sequential {
  const opts = loadOptions(where, options);
  const meta = metadata(proto);
  const arch = architecture(meta);
  if (!arch) return foreignModel(proto, where);
  if (!proto.graph) throw formatError('ModelProto.graph', 'a graph', 'none');
  const init = initializerMap(proto.graph.initializer, 'ModelProto.graph.initializer');

  // Create the layers, walk the shapes and check every weight against the file before building.
  const layers = arch.layers.map(createLayer);
  const values: PendingWeight[][] = [];
  let shape: readonly number[] = arch.inputShape;
  layers.forEach((layer, i) => {
    const w = layerWhere(i, layer), expected = expectedWeights(layer, shape);
    const names = expected.map((e) => e.name);
    if (names.join('\0') !== arch.layers[i].weights.join('\0'))
      throw new ModelFormatError(`${w} expected weights [${names.join(', ')}], received [${arch.layers[i].weights.join(', ')}] in metadata_props["${META.model}"].`);
    values.push(expected.map((e) => checkedWeight(init, layer.name, layer.className, e.name, e.shape, w)));
    const out = guard(w, () => layer.computeOutputShape(shape));
    if (out.reduce((a, b) => a * b, 1) > MAX_SAMPLE_ELEMENTS)
      throw formatError(`${w} output`, `at most ${MAX_SAMPLE_ELEMENTS} elements per sample`, shapeText(out));
    shape = out;
  });

  const model = guard(where, () => new Sequential([new InputLayer({ shape: arch.inputShape }), ...layers], { name: arch.name }));
  layers.forEach((layer, i) => {
    const v = values[i];
    if (layer.weights.length !== v.length) throw new ModelFormatError(`${layerWhere(i, layer)}: built ${layer.weights.length} weights, expected ${v.length}.`);
    layer.weights.forEach((wt, j) => decodeWeight(v[j], wt.value));
  });

  if (opts.compile && meta.has(META.compile)) {
    restoreTrainingState(model, meta);
    compileFromMeta(model, meta);
    const state = proto.trainingInfo[0]?.algorithm;
    if (state) restoreOptimizer(model, initializerMap(state.initializer, 'ModelProto.training_info[0].algorithm.initializer'));
  }
  return model;
}

function compileFromMeta(model: Sequential, meta: Map<string, string>): void {
  const c = parseJson(meta, META.compile), where = `metadata_props["${META.compile}"]`;
  if (!isObject(c)) throw formatError(where, 'an object {optimizer, loss, metrics}', describeJson(c));
  const optimizer = makeOptimizer(serialized(c.optimizer, `${where}.optimizer`), `${where}.optimizer`);
  const loss = makeLoss(serialized(c.loss, `${where}.loss`), `${where}.loss`);
  if (!Array.isArray(c.metrics) || c.metrics.length > 64) throw formatError(`${where}.metrics`, 'an array of at most 64 metrics', describeJson(c.metrics));
  const metrics = c.metrics.map((m: unknown, i: number) => makeMetric(serialized(m, `${where}.metrics[${i}]`), `${where}.metrics[${i}]`));
  guard(where, () => model.compile({ optimizer, loss, metrics }));
}

function restoreTrainingState(model: Sequential, meta: Map<string, string>): void {
  const t = parseJson(meta, META.training), where = `metadata_props["${META.training}"]`;
  if (t === undefined) return;
  if (!isObject(t)) throw formatError(where, 'an object {modelKey, steps, shuffles}', describeJson(t));
  const count = (k: string) => {
    const v = t[k];
    if (!(Number.isSafeInteger(v) && (v as number) >= 0)) throw formatError(`${where}.${k}`, 'a non-negative integer', describeJson(v));
    return v as number;
  };
  if (typeof t.modelKey !== 'string' || !/^[0-9a-f]{1,16}$/.test(t.modelKey)) throw formatError(`${where}.modelKey`, 'a 64-bit hexadecimal key', describeJson(t.modelKey));
  model.restoreRandomState({ modelKey: BigInt(`0x${t.modelKey}`), steps: count('steps'), shuffles: count('shuffles') });
}

function restoreOptimizer(model: Sequential, state: Map<string, TensorProto>): void {
  const core = guard('loadModel', () => model.core('loadModel', undefined)), arena = core.runner.arena, opt = model.optimizer!;
  const slots = opt.slots();
  arena.segments.forEach((seg, i) => {
    const w = arena.trainable[i];
    for (const s of slots) {
      const name = `optimizer/${seg.name}/${s.name}`, t = state.get(name);
      if (!t) throw new ModelFormatError(`training_info expected the optimizer slot "${name}", received none.`);
      if (shapeText(t.dims) !== shapeText(w.shape)) throw formatError(`training_info slot "${name}"`, `shape ${shapeText(w.shape)}`, shapeText(t.dims));
      s.values.set(readFloats(t, `training_info slot "${name}"`), seg.offset);
    }
  });
  const it = state.get(ITERATIONS);
  if (!it) throw new ModelFormatError(`training_info expected the step counter "${ITERATIONS}", received none.`);
  const v = readInts(it, `training_info "${ITERATIONS}"`);
  if (v.length !== 1 || v[0] < 0) throw formatError(`training_info "${ITERATIONS}"`, 'one non-negative integer', `[${v.join(', ')}]`);
  opt.iterations = v[0];
}
