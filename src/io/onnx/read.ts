/**
 * Reading model files (shared by loadModel and loadWeights): the file or buffer → ModelProto with
 * external data resolved inside the model's folder, kerno's metadata parsed and validated, and
 * weights checked and converted to Keras's layout.
 *
 * External data (tensors stored beside the .onnx file, as large PyTorch exports do) is read only
 * from files inside the model's folder: absolute locations, `..` and symbolic links that lead
 * out of it are refused, and offset/length must lie within the file.
 */
import { open, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { KernoError, ValueError, expectedMessage } from '../../errors.js';
import { ModelFormatError, formatError } from './errors.js';
import { fromOnnxLayout, hasOnnxLayout, onnxDims } from './layouts.js';
import { LIMITS, type ModelProto, type TensorProto, decodeModel, elementCount, elementSize } from './onnxProto.js';
import { describeJson } from './registry.js';
import { FORMAT_VERSION, META } from './save.js';
import { checkFloats, readFloats, readFloatsInto } from './tensors.js';

/** Largest model file read into memory (protobuf's 2 GB limit; bigger models use external data). */
export const MAX_FILE_BYTES = 2 ** 31 - 1;
/** Largest per-sample tensor a loaded model may declare (elements). */
export const MAX_SAMPLE_ELEMENTS = 2 ** 28;
/** Most layers a model may have (Sequential checks names pairwise, so this also bounds load time). */
export const MAX_LAYERS = 10_000;

function checkPath(where: string, path: unknown): string {
  if (typeof path !== 'string' || path === '' || path.includes('\0')) throw new ValueError(expectedMessage(`${where}: argument "path"`, 'a non-empty file path', path));
  return path;
}

/** Reads and decodes a model file, resolving external data beside it. */
export async function readModelFile(path: string, where: string): Promise<ModelProto> {
  checkPath(where, path);
  let bytes: Uint8Array;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new KernoError(`${where}: "${path}" is not a file.`);
    if (s.size > MAX_FILE_BYTES) throw formatError(`${where}: "${path}"`, `a file of at most ${MAX_FILE_BYTES} bytes (store larger tensors as external data)`, `${s.size} bytes`);
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof KernoError) throw e;
    throw new KernoError(`${where}: could not read "${path}": ${(e as Error).message}`, { cause: e });
  }
  const proto = decodeModel(bytes);
  await resolveExternalData(proto, dirname(resolve(path)));
  return proto;
}

/** Accepts the byte containers users hold. */
export function asBytes(where: string, buf: unknown): Uint8Array {
  if (buf instanceof Uint8Array) return buf;
  if (buf instanceof ArrayBuffer) return new Uint8Array(buf);
  if (ArrayBuffer.isView(buf)) return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  throw new ValueError(expectedMessage(`${where}: argument "buffer"`, 'a Uint8Array, Buffer or ArrayBuffer holding an ONNX model', buf));
}

/** Decodes an in-memory model; external data cannot be resolved without a folder. */
export function decodeBuffer(buf: Uint8Array): ModelProto {
  const proto = decodeModel(buf);
  for (const { tensor, where } of allTensors(proto)) {
    if (tensor.dataLocation === 1)
      throw formatError(`${where}.data_location`, 'tensor data inside the model (a buffer has no folder for external data)', 'EXTERNAL', 'Load it with loadModel(path).');
  }
  return proto;
}

function allTensors(proto: ModelProto): { tensor: TensorProto; where: string }[] {
  const out: { tensor: TensorProto; where: string }[] = [];
  proto.graph?.initializer.forEach((tensor, i) => out.push({ tensor, where: `ModelProto.graph.initializer[${i}]` }));
  proto.graph?.node.forEach((n, i) => n.attribute.forEach((a, j) => {
    if (a.t) out.push({ tensor: a.t, where: `ModelProto.graph.node[${i}].attribute[${j}].t` });
  }));
  proto.trainingInfo.forEach((t, i) => t.algorithm?.initializer.forEach((tensor, j) =>
    out.push({ tensor, where: `ModelProto.training_info[${i}].algorithm.initializer[${j}]` })));
  return out;
}

/** The path of `location` inside `dir`, or a ModelFormatError when it would leave the folder. */
async function insideFolder(dir: string, location: string, where: string): Promise<string> {
  const refuse = (why: string) => formatError(`${where}.external_data "location"`, 'a relative path inside the model\'s folder', JSON.stringify(location), why);
  if (location === '' || location.includes('\0') || isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.startsWith('\\'))
    throw refuse('Absolute paths are not allowed.');
  const escapes = (base: string, p: string) => {
    const rel = relative(base, p);
    return rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel);
  };
  const full = resolve(dir, location);
  if (escapes(dir, full)) throw refuse('The path leaves the folder.');
  let real: string, realDir: string;
  try {
    [real, realDir] = await Promise.all([realpath(full), realpath(dir)]);
  } catch (e) {
    throw formatError(`${where}.external_data "location"`, 'an existing file', JSON.stringify(location), (e as Error).message);
  }
  if (escapes(realDir, real)) throw refuse('A symbolic link leads out of the folder.');
  return real;
}

function entryNumber(v: string | undefined, where: string, key: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{1,16}$/.test(v) || !Number.isSafeInteger(Number(v))) throw formatError(`${where}.external_data "${key}"`, 'a non-negative integer', JSON.stringify(v));
  return Number(v);
}

async function resolveExternalData(proto: ModelProto, dir: string): Promise<void> {
  for (const { tensor: t, where } of allTensors(proto)) {
    if (t.dataLocation !== 1) continue;
    const entries = new Map<string, string>();
    for (const e of t.externalData ?? []) entries.set(e.key, e.value);
    const location = entries.get('location');
    if (location === undefined) throw formatError(`${where}.external_data`, 'a "location" entry', 'none');
    const size = elementSize(t.dataType);
    if (!size) throw formatError(`${where}.data_type`, 'a numeric type kerno reads', `${t.dataType}`);
    const bytes = elementCount(t.dims, where) * size;
    const offset = entryNumber(entries.get('offset'), where, 'offset') ?? 0;
    const length = entryNumber(entries.get('length'), where, 'length') ?? bytes;
    if (length !== bytes) throw formatError(`${where}.external_data "length"`, `${bytes} bytes (dims [${t.dims.join(', ')}])`, `${length}`);
    const file = await insideFolder(dir, location, where);
    const fh = await open(file, 'r').catch((e: Error) => {
      throw formatError(`${where}.external_data "location"`, 'a readable file', JSON.stringify(location), e.message);
    });
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw formatError(`${where}.external_data "location"`, 'a regular file', JSON.stringify(location));
      if (offset + length > st.size) throw formatError(`${where}.external_data`, `offset + length within "${location}" (${st.size} bytes)`, `${offset} + ${length}`);
      const data = new Uint8Array(length);
      for (let at = 0; at < length;) {
        const { bytesRead } = await fh.read(data, at, length - at, offset + at);
        if (bytesRead === 0) throw formatError(`${where}.external_data`, `${length} bytes in "${location}"`, `${at}`);
        at += bytesRead;
      }
      t.rawData = data;
      t.dataLocation = 0;
    } finally {
      await fh.close();
    }
  }
}

// ------------------------------------------------------------------------------------ metadata

/** metadata_props as a Map (duplicate keys are refused). */
export function metadata(proto: ModelProto): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of proto.metadataProps) {
    if (m.has(e.key)) throw formatError('ModelProto.metadata_props', 'unique keys', `"${e.key}" twice`);
    m.set(e.key, e.value);
  }
  return m;
}

export function parseJson(meta: Map<string, string>, key: string): unknown {
  const text = meta.get(key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw formatError(`metadata_props["${key}"]`, 'JSON', 'text that does not parse', (e as Error).message);
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export interface SavedLayer {
  readonly className: string;
  readonly config: Record<string, unknown>;
  readonly name: string;
  readonly weights: readonly string[];
}

export interface Architecture {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly layers: readonly SavedLayer[];
}

/** Checks a per-sample shape: 1..LIMITS.rank positive dimensions, at most MAX_SAMPLE_ELEMENTS elements. */
export function sampleShape(v: unknown, where: string): number[] {
  if (!Array.isArray(v) || v.length < 1 || v.length > LIMITS.rank || !v.every((d) => Number.isSafeInteger(d) && d >= 1))
    throw formatError(where, `an array of 1 to ${LIMITS.rank} positive integers`, describeJson(v));
  if (v.reduce((a: number, b: number) => a * b, 1) > MAX_SAMPLE_ELEMENTS)
    throw formatError(where, `at most ${MAX_SAMPLE_ELEMENTS} elements per sample`, `[${v.join(', ')}]`);
  return v as number[];
}

/** kerno's architecture metadata, or undefined when the file has none (not written by kerno). */
export function architecture(meta: Map<string, string>): Architecture | undefined {
  const a = parseJson(meta, META.model), where = `metadata_props["${META.model}"]`;
  if (a === undefined) return undefined;
  if (!isObject(a)) throw formatError(where, 'an object', describeJson(a));
  if (a.format !== FORMAT_VERSION) throw formatError(`${where}.format`, `${FORMAT_VERSION}`, describeJson(a.format), 'The file was written by another kerno version.');
  if (a.className !== 'Sequential') throw formatError(`${where}.className`, '"Sequential"', describeJson(a.className));
  if (typeof a.name !== 'string' || a.name === '') throw formatError(`${where}.name`, 'a non-empty string', describeJson(a.name));
  const inputShape = sampleShape(a.inputShape, `${where}.inputShape`);
  if (!Array.isArray(a.layers) || a.layers.length < 1 || a.layers.length > MAX_LAYERS)
    throw formatError(`${where}.layers`, `an array of 1 to ${MAX_LAYERS} layers`, describeJson(a.layers));
  const layers = a.layers.map((l: unknown, i: number): SavedLayer => {
    const w = `${where}.layers[${i}]`;
    if (!isObject(l) || typeof l.className !== 'string' || !isObject(l.config))
      throw formatError(w, 'an object {className, config, weights}', describeJson(l));
    if (typeof l.config.name !== 'string' || l.config.name === '') throw formatError(`${w}.config.name`, 'a non-empty string', describeJson(l.config.name));
    if (!Array.isArray(l.weights) || l.weights.length > 16 || !l.weights.every((x) => typeof x === 'string'))
      throw formatError(`${w}.weights`, 'an array of at most 16 weight names', describeJson(l.weights));
    return { className: l.className, config: l.config, name: l.config.name, weights: l.weights as string[] };
  });
  return { name: a.name, inputShape, layers };
}

/** Initializers by name (duplicates refused). */
export function initializerMap(tensors: readonly TensorProto[], where: string): Map<string, TensorProto> {
  const m = new Map<string, TensorProto>();
  tensors.forEach((t, i) => {
    if (m.has(t.name)) throw formatError(`${where}[${i}].name`, 'a unique initializer name', JSON.stringify(t.name));
    m.set(t.name, t);
  });
  return m;
}

/** `[2, 3]`. */
export function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/** A weight's initializer, checked against the layer and not yet decoded (see decodeWeight). */
export interface PendingWeight {
  readonly tensor: TensorProto;
  readonly className: string;
  readonly weight: string;
  readonly shape: readonly number[];
  /** `initializer "<name>"`, for messages. */
  readonly where: string;
}

/**
 * Weight `weight` (Keras shape `shape`) of a layer of class `className`: the file's initializer
 * `<fileLayer>/<weight>`, checked (present, dims, FLOAT values of the right count) but not decoded.
 * `where` names the model's layer in messages.
 */
export function checkedWeight(init: Map<string, TensorProto>, fileLayer: string, className: string, weight: string,
  shape: readonly number[], where: string): PendingWeight {
  const name = `${fileLayer}/${weight}`, t = init.get(name);
  if (!t) throw new ModelFormatError(`${where} weight "${weight}" expected initializer "${name}" in the file, received none.`);
  const dims = onnxDims(className, weight, shape);
  if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
    const layoutNote = shapeText(dims) === shapeText(shape) ? '' : ` (ONNX layout ${shapeText(dims)})`;
    throw new ModelFormatError(`${where} weight "${weight}" expected shape ${shapeText(shape)}${layoutNote}, received ${shapeText(t.dims)} in initializer "${name}".`);
  }
  const at = `initializer "${name}"`;
  checkFloats(t, at);
  return { tensor: t, className, weight, shape, where: at };
}

/**
 * The values of a checked weight in Keras's layout, written into `into` when given (straight
 * from the file's bytes unless the layouts differ, so loading holds no second copy of the model).
 */
export function decodeWeight(p: PendingWeight, into?: Float32Array): Float32Array {
  if (into && !hasOnnxLayout(p.className, p.weight)) return readFloatsInto(p.tensor, p.where, into);
  const v = fromOnnxLayout(p.className, p.weight, readFloats(p.tensor, p.where), p.shape);
  if (!into) return v;
  into.set(v);
  return into;
}
