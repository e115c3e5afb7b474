/**
 * `model.loadWeights(path)`: weights from a file written by `saveWeights` or `save` into a model
 * of the same architecture. Layers are matched by position (as Keras's load_weights), so the
 * names may differ (`dense` in the file, `dense_3` in a model built later); each layer's class,
 * weight names and shapes must agree, and the first disagreement is reported naming the layer and
 * weight. Nothing is changed unless every weight matches.
 */
import type { Model } from '../../engine/model.js';
import { KernoError, ShapeError, ValueError } from '../../errors.js';
import { ModelFormatError } from './errors.js';
import { onnxDims } from './layouts.js';
import type { ModelProto } from './onnxProto.js';
import { architecture, asBytes, decodeBuffer, initializerMap, metadata, readModelFile, shapeText, checkedWeight, decodeWeight, type PendingWeight } from './read.js';
import { META } from './save.js';

function requireBuilt(model: Model, where: string): void {
  if (model.built) return;
  try {
    model.countParams(); // builds a model whose input shape is declared
  } catch {
    throw new KernoError(`${where}: the model "${model.name}" is not built yet; set inputShape on the first layer, call build(shape), or fit it first.`);
  }
}

function apply(model: Model, proto: ModelProto, where: string): void {
  requireBuilt(model, where);
  const arch = architecture(metadata(proto));
  if (!arch || !proto.graph)
    throw new ModelFormatError(`${where} expected a file written by kerno's save or saveWeights (metadata_props "${META.model}"), received a file without it.`);
  const init = initializerMap(proto.graph.initializer, 'ModelProto.graph.initializer');
  const layers = model.layers, values: PendingWeight[][] = [];
  for (let i = 0; i < Math.max(layers.length, arch.layers.length); i++) {
    const mine = layers[i], theirs = arch.layers[i];
    if (!mine) throw new ValueError(`${where}: the file has more layers than model "${model.name}": its layer ${i} "${theirs.name}" (${theirs.className}) has no counterpart.`);
    const w = `${where}: layer ${i} "${mine.name}" (${mine.className})`;
    if (!theirs) throw new ValueError(`${w} expected a layer in the file, received none (the file has ${arch.layers.length} layers).`);
    if (theirs.className !== mine.className) throw new ValueError(`${w} expected a ${mine.className} in the file, received "${theirs.name}" (${theirs.className}).`);
    const names = mine.weights.map((x) => x.name);
    for (let j = 0; j < Math.max(names.length, theirs.weights.length); j++) {
      if (names[j] !== theirs.weights[j])
        throw new ValueError(`${w} weight ${j} expected ${names[j] === undefined ? 'no weight' : `"${names[j]}"`}, received ${theirs.weights[j] === undefined ? 'none' : `"${theirs.weights[j]}"`} in the file's layer "${theirs.name}".`);
    }
    values.push(mine.weights.map((x) => {
      const t = init.get(`${theirs.name}/${x.name}`), dims = onnxDims(mine.className, x.name, x.shape);
      if (t && shapeText(t.dims) !== shapeText(dims)) {
        const stored = shapeText(dims) === shapeText(x.shape) ? '' : ` (stored as ${shapeText(dims)} in ONNX layout)`;
        throw new ShapeError(`${w} weight "${x.name}" expected shape ${shapeText(x.shape)}${stored}, received ${shapeText(t.dims)} in the file's layer "${theirs.name}".`);
      }
      return checkedWeight(init, theirs.name, mine.className, x.name, x.shape, w);
    }));
  }
  model.hostWeights('write'); // on a device: the next step sends the loaded values
  layers.forEach((l, i) => l.weights.forEach((x, j) => decodeWeight(values[i][j], x.value)));
}

/** Loads weights from a kerno ONNX file into `model` (see the module comment). */
export async function loadWeights(model: Model, path: string): Promise<void> {
  apply(model, await readModelFile(path, 'loadWeights'), 'loadWeights');
}

/** loadWeights from bytes in memory. */
export function loadWeightsFromBuffer(model: Model, buffer: Uint8Array | ArrayBuffer): void {
  apply(model, decodeBuffer(asBytes('loadWeightsFromBuffer', buffer)), 'loadWeightsFromBuffer');
}
