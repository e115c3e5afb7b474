/**
 * The subset of onnx/onnx.proto that kerno reads and writes, as plain objects, with the field
 * numbers of the official schema (onnx.proto, proto2): ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto/TypeProto (tensor types only),
 * StringStringEntryProto, OperatorSetIdProto and TrainingInfoProto.
 *
 * Decoding bounds everything a file can ask for before allocating: repeated fields hold at most
 * LIMITS.items entries, strings LIMITS.name / LIMITS.text bytes, tensors LIMITS.rank dimensions
 * and LIMITS.elements elements, and raw_data must be exactly as long as the dimensions say.
 * Sub-graphs (attributes `g`, `graphs`) and types other than tensor types are skipped unread, so
 * nesting never goes deeper than ModelProto → TrainingInfoProto → GraphProto → NodeProto →
 * AttributeProto → TensorProto. Unknown fields are skipped, as protobuf requires.
 */
import { formatError } from './errors.js';
import { I32, LEN, type ProtoReader, ProtoWriter, VARINT, reader } from './protobuf.js';

/** TensorProto.DataType values kerno reads or writes. */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, UINT64: 13 } as const;

/** AttributeProto.AttributeType values. */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** Bounds on what a file may declare (see the module comment). */
export const LIMITS = Object.freeze({
  /** Entries of one repeated field (nodes, initializers, attributes, metadata entries...). */
  items: 1 << 20,
  /** Bytes of a name (tensor, node, op type, attribute, metadata key). */
  name: 1 << 16,
  /** Bytes of a doc string or metadata value (kerno's JSON configurations live there). */
  text: 1 << 26,
  /** Dimensions of a tensor or shape. */
  rank: 16,
  /** Elements of one tensor (2^31 − 1: what a typed array and the native kernels index). */
  elements: 2 ** 31 - 1,
  /** Values of a repeated attribute. */
  attrValues: 1 << 16,
});

export interface StringEntry {
  key: string;
  value: string;
}

export interface TensorProto {
  name: string;
  dataType: number;
  dims: number[];
  /** Little-endian element bytes (a view into the file when read). */
  rawData?: Uint8Array;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  docString?: string;
  externalData?: StringEntry[];
  /** 1 = EXTERNAL. */
  dataLocation?: number;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  /** Set when the attribute holds a graph (skipped unread: kerno supports no control flow). */
  hasGraph?: boolean;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
  docString?: string;
}

/** One dimension of a tensor type: a size or a symbolic name (dynamic batch). */
export type Dim = { value: number } | { param: string } | Record<string, never>;

export interface ValueInfoProto {
  name: string;
  /** TypeProto.tensor_type: element type and shape (absent for other kinds of types). */
  elemType?: number;
  shape?: Dim[];
  docString?: string;
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
}

export interface OperatorSetId {
  domain: string;
  version: number;
}

export interface TrainingInfoProto {
  initialization?: GraphProto;
  algorithm?: GraphProto;
  initializationBinding: StringEntry[];
  updateBinding: StringEntry[];
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName: string;
  producerVersion: string;
  domain: string;
  modelVersion: number;
  docString: string;
  graph?: GraphProto;
  metadataProps: StringEntry[];
  trainingInfo: TrainingInfoProto[];
}

export function emptyGraph(name: string): GraphProto {
  return { node: [], name, initializer: [], input: [], output: [], valueInfo: [] };
}

// ------------------------------------------------------------------------------------ encode

function encodeEntry(e: StringEntry): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, e.key);
  w.string(2, e.value);
  return w;
}

export function encodeTensor(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length) w.packedInt64(1, t.dims);
  w.int64(2, t.dataType);
  w.string(8, t.name);
  if (t.rawData) w.bytes(9, t.rawData);
  if (t.docString) w.string(12, t.docString);
  for (const e of t.externalData ?? []) w.message(13, encodeEntry(e));
  if (t.dataLocation) w.int64(14, t.dataLocation);
  return w;
}

function encodeAttribute(a: AttributeProto): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, a.name);
  if (a.f !== undefined) w.float(2, a.f);
  if (a.i !== undefined) w.int64(3, a.i);
  if (a.s !== undefined) w.bytes(4, a.s);
  if (a.t !== undefined) w.message(5, encodeTensor(a.t));
  if (a.floats) for (const f of a.floats) w.float(7, f);
  if (a.ints) for (const i of a.ints) w.int64(8, i);
  w.int64(20, a.type);
  return w;
}

function encodeNode(n: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const s of n.input) w.string(1, s);
  for (const s of n.output) w.string(2, s);
  w.string(3, n.name);
  w.string(4, n.opType);
  for (const a of n.attribute) w.message(5, encodeAttribute(a));
  if (n.docString) w.string(6, n.docString);
  if (n.domain) w.string(7, n.domain);
  return w;
}

function encodeValueInfo(v: ValueInfoProto): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, v.name);
  if (v.elemType !== undefined) {
    const shape = new ProtoWriter();
    for (const d of v.shape ?? []) {
      const dim = new ProtoWriter();
      if ('value' in d) dim.int64(1, d.value);
      else if ('param' in d) dim.string(2, d.param);
      shape.message(1, dim);
    }
    const tensor = new ProtoWriter();
    tensor.int64(1, v.elemType);
    if (v.shape) tensor.message(2, shape);
    const type = new ProtoWriter();
    type.message(1, tensor);
    w.message(2, type);
  }
  if (v.docString) w.string(3, v.docString);
  return w;
}

export function encodeGraph(g: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.node) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializer) w.message(5, encodeTensor(t));
  if (g.docString) w.string(10, g.docString);
  for (const v of g.input) w.message(11, encodeValueInfo(v));
  for (const v of g.output) w.message(12, encodeValueInfo(v));
  for (const v of g.valueInfo) w.message(13, encodeValueInfo(v));
  return w;
}

/** Encodes a model; the result's chunks reference the tensors' raw_data without copying them. */
export function encodeModel(m: ModelProto): ProtoWriter {
  const w = new ProtoWriter();
  w.int64(1, m.irVersion);
  if (m.producerName) w.string(2, m.producerName);
  if (m.producerVersion) w.string(3, m.producerVersion);
  if (m.domain) w.string(4, m.domain);
  w.int64(5, m.modelVersion);
  if (m.docString) w.string(6, m.docString);
  if (m.graph) w.message(7, encodeGraph(m.graph));
  for (const o of m.opsetImport) {
    const ow = new ProtoWriter();
    if (o.domain) ow.string(1, o.domain);
    ow.int64(2, o.version);
    w.message(8, ow);
  }
  for (const e of m.metadataProps) w.message(14, encodeEntry(e));
  for (const t of m.trainingInfo) {
    const tw = new ProtoWriter();
    if (t.initialization) tw.message(1, encodeGraph(t.initialization));
    if (t.algorithm) tw.message(2, encodeGraph(t.algorithm));
    for (const e of t.initializationBinding) tw.message(3, encodeEntry(e));
    for (const e of t.updateBinding) tw.message(4, encodeEntry(e));
    w.message(20, tw);
  }
  return w;
}

// ------------------------------------------------------------------------------------ decode

function push<T>(r: ProtoReader, list: T[], item: () => T, what: string): void {
  if (list.length >= LIMITS.items) throw formatError(`${r.where}.${what}`, `at most ${LIMITS.items} entries`, 'more');
  list.push(item());
}

function decodeEntry(r: ProtoReader): StringEntry {
  const e: StringEntry = { key: '', value: '' };
  while (!r.done()) {
    r.tag();
    if (r.field === 1 && r.wire === LEN) e.key = r.string(LIMITS.name);
    else if (r.field === 2 && r.wire === LEN) e.value = r.string(LIMITS.text);
    else r.skip();
  }
  return e;
}

/** Element size in bytes of the data types kerno converts, or 0. */
export function elementSize(dataType: number): number {
  switch (dataType) {
    case DataType.FLOAT: case DataType.INT32: return 4;
    case DataType.INT64: case DataType.UINT64: return 8;
    case DataType.UINT8: case DataType.INT8: return 1;
    default: return 0;
  }
}

/** The element count of `dims`, checked against LIMITS.elements. */
export function elementCount(dims: readonly number[], where: string): number {
  let n = 1;
  for (const d of dims) {
    if (!(Number.isSafeInteger(d) && d >= 0)) throw formatError(`${where}.dims`, 'non-negative dimensions', `[${dims.join(', ')}]`);
    n *= d;
    if (n > LIMITS.elements) throw formatError(`${where}.dims`, `at most ${LIMITS.elements} elements`, `[${dims.join(', ')}]`);
  }
  return n;
}

export function decodeTensor(r: ProtoReader): TensorProto {
  const t: TensorProto = { name: '', dataType: 0, dims: [] };
  while (!r.done()) {
    r.tag();
    switch (r.field) {
      case 1: r.repeatedInt64(t.dims, LIMITS.rank); break;
      case 2: r.expect(VARINT); t.dataType = r.int32(); break;
      case 4: r.repeatedFloat((t.floatData ??= []), LIMITS.elements); break;
      case 5: r.repeatedInt64((t.int32Data ??= []), LIMITS.elements); break;
      case 7: r.repeatedInt64((t.int64Data ??= []), LIMITS.elements); break;
      case 8: r.expect(LEN); t.name = r.string(LIMITS.name); break;
      case 9: r.expect(LEN); t.rawData = r.bytes(); break;
      case 12: r.expect(LEN); t.docString = r.string(LIMITS.text); break;
      case 13: r.expect(LEN); push(r, (t.externalData ??= []), () => decodeEntry(r.message(`${r.where}.external_data`)), 'external_data'); break;
      case 14: r.expect(VARINT); t.dataLocation = r.int32(); break;
      default: r.skip();
    }
  }
  const n = elementCount(t.dims, r.where);
  if (t.rawData && t.dataLocation !== 1) {
    const size = elementSize(t.dataType);
    if (size && t.rawData.length !== n * size)
      throw formatError(`${r.where}.raw_data`, `${n * size} bytes (${n} elements of ${size} bytes, from dims [${t.dims.join(', ')}])`, `${t.rawData.length} bytes`);
  }
  return t;
}

function decodeAttribute(r: ProtoReader): AttributeProto {
  const a: AttributeProto = { name: '', type: 0 };
  while (!r.done()) {
    r.tag();
    switch (r.field) {
      case 1: r.expect(LEN); a.name = r.string(LIMITS.name); break;
      case 2: r.expect(I32); a.f = r.float(); break;
      case 3: r.expect(VARINT); a.i = r.int64(); break;
      case 4: r.expect(LEN); a.s = r.bytes(); break;
      case 5: r.expect(LEN); a.t = decodeTensor(r.message(`${r.where}.t`)); break;
      case 6: case 11: a.hasGraph = true; r.skip(); break;
      case 7: r.repeatedFloat((a.floats ??= []), LIMITS.attrValues); break;
      case 8: r.repeatedInt64((a.ints ??= []), LIMITS.attrValues); break;
      case 20: r.expect(VARINT); a.type = r.int32(); break;
      default: r.skip();
    }
  }
  return a;
}

function decodeNode(r: ProtoReader): NodeProto {
  const n: NodeProto = { input: [], output: [], name: '', opType: '', domain: '', attribute: [] };
  while (!r.done()) {
    r.tag();
    switch (r.field) {
      case 1: r.expect(LEN); push(r, n.input, () => r.string(LIMITS.name), 'input'); break;
      case 2: r.expect(LEN); push(r, n.output, () => r.string(LIMITS.name), 'output'); break;
      case 3: r.expect(LEN); n.name = r.string(LIMITS.name); break;
      case 4: r.expect(LEN); n.opType = r.string(LIMITS.name); break;
      case 5: r.expect(LEN); push(r, n.attribute, () => decodeAttribute(r.message(`${r.where}.attribute[${n.attribute.length}]`)), 'attribute'); break;
      case 6: r.expect(LEN); n.docString = r.string(LIMITS.text); break;
      case 7: r.expect(LEN); n.domain = r.string(LIMITS.name); break;
      default: r.skip();
    }
  }
  return n;
}

function decodeShape(r: ProtoReader): Dim[] {
  const dims: Dim[] = [];
  while (!r.done()) {
    r.tag();
    if (r.field !== 1 || r.wire !== LEN) {
      r.skip();
      continue;
    }
    if (dims.length >= LIMITS.rank) throw formatError(`${r.where}.dim`, `at most ${LIMITS.rank} dimensions`, 'more');
    const d = r.message(`${r.where}.dim[${dims.length}]`);
    let dim: Dim = {};
    while (!d.done()) {
      d.tag();
      if (d.field === 1 && d.wire === VARINT) dim = { value: d.int64() };
      else if (d.field === 2 && d.wire === LEN) dim = { param: d.string(LIMITS.name) };
      else d.skip();
    }
    dims.push(dim);
  }
  return dims;
}

function decodeValueInfo(r: ProtoReader): ValueInfoProto {
  const v: ValueInfoProto = { name: '' };
  while (!r.done()) {
    r.tag();
    if (r.field === 1 && r.wire === LEN) v.name = r.string(LIMITS.name);
    else if (r.field === 3 && r.wire === LEN) v.docString = r.string(LIMITS.text);
    else if (r.field === 2 && r.wire === LEN) {
      const type = r.message(`${r.where}.type`);
      while (!type.done()) {
        type.tag();
        if (type.field !== 1 || type.wire !== LEN) {
          type.skip(); // sequence, map, optional...: not tensors, so kerno cannot use them
          continue;
        }
        const tensor = type.message(`${type.where}.tensor_type`);
        while (!tensor.done()) {
          tensor.tag();
          if (tensor.field === 1 && tensor.wire === VARINT) v.elemType = tensor.int32();
          else if (tensor.field === 2 && tensor.wire === LEN) v.shape = decodeShape(tensor.message(`${tensor.where}.shape`));
          else tensor.skip();
        }
        v.elemType ??= 0;
      }
    } else r.skip();
  }
  return v;
}

export function decodeGraph(r: ProtoReader): GraphProto {
  const g = emptyGraph('');
  const w = r.where;
  while (!r.done()) {
    r.tag();
    switch (r.field) {
      case 1: r.expect(LEN); push(r, g.node, () => decodeNode(r.message(`${w}.node[${g.node.length}]`)), 'node'); break;
      case 2: r.expect(LEN); g.name = r.string(LIMITS.name); break;
      case 5: r.expect(LEN); push(r, g.initializer, () => decodeTensor(r.message(`${w}.initializer[${g.initializer.length}]`)), 'initializer'); break;
      case 10: r.expect(LEN); g.docString = r.string(LIMITS.text); break;
      case 11: r.expect(LEN); push(r, g.input, () => decodeValueInfo(r.message(`${w}.input[${g.input.length}]`)), 'input'); break;
      case 12: r.expect(LEN); push(r, g.output, () => decodeValueInfo(r.message(`${w}.output[${g.output.length}]`)), 'output'); break;
      case 13: r.expect(LEN); push(r, g.valueInfo, () => decodeValueInfo(r.message(`${w}.value_info[${g.valueInfo.length}]`)), 'value_info'); break;
      default: r.skip();
    }
  }
  return g;
}

function decodeTrainingInfo(r: ProtoReader): TrainingInfoProto {
  const t: TrainingInfoProto = { initializationBinding: [], updateBinding: [] };
  while (!r.done()) {
    r.tag();
    switch (r.field) {
      case 1: r.expect(LEN); t.initialization = decodeGraph(r.message(`${r.where}.initialization`)); break;
      case 2: r.expect(LEN); t.algorithm = decodeGraph(r.message(`${r.where}.algorithm`)); break;
      case 3: r.expect(LEN); push(r, t.initializationBinding, () => decodeEntry(r.message(`${r.where}.initialization_binding`)), 'initialization_binding'); break;
      case 4: r.expect(LEN); push(r, t.updateBinding, () => decodeEntry(r.message(`${r.where}.update_binding`)), 'update_binding'); break;
      default: r.skip();
    }
  }
  return t;
}

/** Decodes a serialized ModelProto; throws ModelFormatError for anything malformed. */
export function decodeModel(buf: Uint8Array): ModelProto {
  const r = reader(buf, 'ModelProto');
  const m: ModelProto = {
    irVersion: 0, opsetImport: [], producerName: '', producerVersion: '', domain: '', modelVersion: 0, docString: '',
    metadataProps: [], trainingInfo: [],
  };
  while (!r.done()) {
    r.tag();
    switch (r.field) {
      case 1: r.expect(VARINT); m.irVersion = r.int64(); break;
      case 2: r.expect(LEN); m.producerName = r.string(LIMITS.name); break;
      case 3: r.expect(LEN); m.producerVersion = r.string(LIMITS.name); break;
      case 4: r.expect(LEN); m.domain = r.string(LIMITS.name); break;
      case 5: r.expect(VARINT); m.modelVersion = r.int64(); break;
      case 6: r.expect(LEN); m.docString = r.string(LIMITS.text); break;
      case 7: r.expect(LEN); m.graph = decodeGraph(r.message('ModelProto.graph')); break;
      case 8: {
        r.expect(LEN);
        const o = r.message(`ModelProto.opset_import[${m.opsetImport.length}]`);
        const op: OperatorSetId = { domain: '', version: 0 };
        while (!o.done()) {
          o.tag();
          if (o.field === 1 && o.wire === LEN) op.domain = o.string(LIMITS.name);
          else if (o.field === 2 && o.wire === VARINT) op.version = o.int64();
          else o.skip();
        }
        push(r, m.opsetImport, () => op, 'opset_import');
        break;
      }
      case 14: r.expect(LEN); push(r, m.metadataProps, () => decodeEntry(r.message(`ModelProto.metadata_props[${m.metadataProps.length}]`)), 'metadata_props'); break;
      case 20: r.expect(LEN); push(r, m.trainingInfo, () => decodeTrainingInfo(r.message(`ModelProto.training_info[${m.trainingInfo.length}]`)), 'training_info'); break;
      default: r.skip();
    }
  }
  return m;
}
