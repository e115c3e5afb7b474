// A minimal ONNX writer for the benchmarks (bench-only; kerno's real ONNX codec lives in
// src/io/onnx): just enough protobuf to describe a feed-forward graph with float initializers,
// int/ints/float attributes and a symbolic batch dimension. Field numbers are onnx.proto's.

type Bytes = Uint8Array;

// ------------------------------------------------------------------------------------ protobuf

const WIRE_VARINT = 0, WIRE_I32 = 5, WIRE_LEN = 2;

function varint(v: bigint): number[] {
  let x = BigInt.asUintN(64, v); // negative int64 → ten bytes of two's complement, as protobuf does
  const out: number[] = [];
  do {
    let byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x !== 0n) byte |= 0x80;
    out.push(byte);
  } while (x !== 0n);
  return out;
}

/** Accumulates one message's fields. */
class Message {
  private readonly parts: Bytes[] = [];

  private tag(field: number, wire: number): void {
    this.parts.push(Uint8Array.from(varint(BigInt((field << 3) | wire))));
  }

  int(field: number, v: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.parts.push(Uint8Array.from(varint(BigInt(v))));
    return this;
  }

  float(field: number, v: number): this {
    this.tag(field, WIRE_I32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, b: Bytes): this {
    this.tag(field, WIRE_LEN);
    this.parts.push(Uint8Array.from(varint(BigInt(b.length))), b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Message): this {
    return this.bytes(field, m.finish());
  }

  finish(): Bytes {
    const n = this.parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

// ------------------------------------------------------------------------------------ ONNX

const FLOAT = 1; // TensorProto.DataType
const ATTR_FLOAT = 1, ATTR_INT = 2, ATTR_INTS = 7; // AttributeProto.AttributeType

export type Attribute = number | number[] | { float: number };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, Attribute>;
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  /** Float inputs/outputs; a string dimension is symbolic (e.g. the batch). */
  inputs: { name: string; shape: (number | string)[] }[];
  outputs: { name: string; shape: (number | string)[] }[];
  opset?: number;
}

function attribute(name: string, v: Attribute): Message {
  const a = new Message().string(1, name);
  if (Array.isArray(v)) {
    for (const x of v) a.int(8, x);
    return a.int(20, ATTR_INTS);
  }
  if (typeof v === 'object') return a.float(2, v.float).int(20, ATTR_FLOAT);
  return a.int(3, v).int(20, ATTR_INT);
}

function valueInfo(name: string, shape: (number | string)[]): Message {
  const dims = new Message();
  for (const d of shape) dims.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, FLOAT).message(2, dims);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

function tensor(t: OnnxInitializer): Message {
  const m = new Message();
  for (const d of t.dims) m.int(1, d);
  m.int(2, FLOAT).string(8, t.name);
  // raw_data is little-endian float32; copy so a subarray view serialises only its own bytes.
  const raw = new Uint8Array(t.data.length * 4);
  const dv = new DataView(raw.buffer);
  t.data.forEach((x, i) => dv.setFloat32(4 * i, x, true));
  return m.bytes(9, raw);
}

/** Serialises a ModelProto (IR version 8, default opset 17) holding `g`. */
export function encodeModel(g: OnnxGraph): Uint8Array {
  const graph = new Message();
  g.nodes.forEach((n, i) => {
    const node = new Message();
    for (const x of n.inputs) node.string(1, x);
    for (const y of n.outputs) node.string(2, y);
    node.string(3, `${n.op}_${i}`).string(4, n.op);
    for (const [k, v] of Object.entries(n.attributes ?? {})) node.message(5, attribute(k, v));
    graph.message(1, node);
  });
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, tensor(t));
  for (const x of g.inputs) graph.message(11, valueInfo(x.name, x.shape));
  for (const y of g.outputs) graph.message(12, valueInfo(y.name, y.shape));
  return new Message()
    .int(1, 8) // ir_version
    .string(2, 'kerno-bench')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, g.opset ?? 17))
    .finish();
}

/** HWIO (Keras) → OIHW (ONNX Conv) kernel layout. */
export function hwioToOihw(w: Float32Array, kh: number, kw: number, ci: number, co: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh; h++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + h) * kw + x] = w[((h * kw + x) * ci + i) * co + o];
  return out;
}
