/**
 * TensorProto ↔ typed arrays, and the layout changes between Keras's weight layouts and ONNX's.
 *
 * Written tensors hold little-endian `raw_data` that is a view of the weight's own memory (no
 * copy on little-endian hosts). Read tensors are copied out of the file buffer once, which also
 * takes care of `raw_data` that is not 4-byte aligned in the file.
 */
import { endianness } from 'node:os';
import { formatError } from './errors.js';
import { DataType, type TensorProto, elementCount } from './onnxProto.js';

const LITTLE = endianness() === 'LE';

function bytesOf(a: Float32Array | BigInt64Array | BigUint64Array): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LITTLE) return view;
  const size = a.BYTES_PER_ELEMENT, out = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i += size) for (let j = 0; j < size; j++) out[i + j] = view[i + size - 1 - j];
  return out;
}

/** A FLOAT tensor whose raw_data views `values` (keep `values` unchanged until the tensor is written). */
export function floatTensor(name: string, values: Float32Array, dims: readonly number[]): TensorProto {
  return { name, dataType: DataType.FLOAT, dims: [...dims], rawData: bytesOf(values) };
}

/** An INT64 tensor. */
export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): TensorProto {
  return { name, dataType: DataType.INT64, dims: [...dims], rawData: bytesOf(BigInt64Array.from(values, (v) => BigInt(v))) };
}

/** A UINT64 tensor from 64-bit unsigned integers. */
export function uint64Tensor(name: string, values: readonly bigint[]): TensorProto {
  return { name, dataType: DataType.UINT64, dims: [values.length], rawData: bytesOf(BigUint64Array.from(values)) };
}

/** Raw bytes of a tensor, which must be stored in the file (external data is resolved before). */
function raw(t: TensorProto, where: string): Uint8Array | undefined {
  if (t.dataLocation === 1) throw formatError(`${where}.data_location`, 'tensor data inside the file (external data was not resolved)', 'EXTERNAL');
  return t.rawData;
}

/** A FLOAT tensor's values (copied), from raw_data or float_data. */
export function readFloats(t: TensorProto, where: string): Float32Array {
  return readFloatsInto(t, where, new Float32Array(checkFloats(t, where)));
}

/**
 * Checks that `t` holds FLOAT values matching its dims, without decoding them; returns the count.
 * Loading checks every tensor first and decodes each into its weight afterwards, so a model is
 * never held twice beside the file.
 */
export function checkFloats(t: TensorProto, where: string): number {
  if (t.dataType !== DataType.FLOAT) throw formatError(`${where}.data_type`, 'FLOAT (1)', `${t.dataType}`);
  const n = elementCount(t.dims, where), r = raw(t, where);
  if (r) {
    if (r.length !== n * 4) throw formatError(`${where}.raw_data`, `${n * 4} bytes`, `${r.length} bytes`);
    return n;
  }
  const f = t.floatData ?? [];
  if (f.length !== n) throw formatError(`${where}.float_data`, `${n} values (dims [${t.dims.join(', ')}])`, `${f.length}`);
  return n;
}

/** Decodes `t`'s values (checked by checkFloats) into `out`, which holds exactly that many. */
export function readFloatsInto(t: TensorProto, where: string, out: Float32Array): Float32Array {
  const n = checkFloats(t, where), r = raw(t, where);
  if (out.length !== n) throw new Error(`${where}: ${n} values for a buffer of ${out.length}`);
  if (r) {
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    bytes.set(r);
    if (!LITTLE) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
    return out;
  }
  out.set(t.floatData ?? []);
  return out;
}

/** An INT64 (or INT32) tensor's values as safe integers. */
export function readInts(t: TensorProto, where: string): number[] {
  const n = elementCount(t.dims, where), r = raw(t, where);
  if (t.dataType === DataType.INT64 || t.dataType === DataType.INT32) {
    const size = t.dataType === DataType.INT64 ? 8 : 4;
    if (r) {
      if (r.length !== n * size) throw formatError(`${where}.raw_data`, `${n * size} bytes`, `${r.length} bytes`);
      const dv = new DataView(r.buffer, r.byteOffset, r.length), out: number[] = [];
      for (let i = 0; i < n; i++) {
        const v = size === 8 ? dv.getBigInt64(i * 8, true) : BigInt(dv.getInt32(i * 4, true));
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER))
          throw formatError(`${where}.raw_data[${i}]`, 'a safe integer', `${v}`);
        out.push(Number(v));
      }
      return out;
    }
    const d = (size === 8 ? t.int64Data : t.int32Data) ?? [];
    if (d.length !== n) throw formatError(`${where}.${size === 8 ? 'int64_data' : 'int32_data'}`, `${n} values`, `${d.length}`);
    return [...d];
  }
  throw formatError(`${where}.data_type`, 'INT64 (7) or INT32 (6)', `${t.dataType}`);
}

/** A UINT64 tensor's values. */
export function readUint64(t: TensorProto, where: string): bigint[] {
  if (t.dataType !== DataType.UINT64) throw formatError(`${where}.data_type`, 'UINT64 (13)', `${t.dataType}`);
  const n = elementCount(t.dims, where), r = raw(t, where);
  if (!r || r.length !== n * 8) throw formatError(`${where}.raw_data`, `${n * 8} bytes`, `${r?.length ?? 0} bytes`);
  const dv = new DataView(r.buffer, r.byteOffset, r.length), out: bigint[] = [];
  for (let i = 0; i < n; i++) out.push(dv.getBigUint64(i * 8, true));
  return out;
}

/** Permutes the axes of a row-major array: out axis i is input axis perm[i]. */
export function transpose(a: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length, out = new Float32Array(a.length);
  const inStrides = new Array<number>(rank);
  for (let i = rank - 1, s = 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= shape[i];
  }
  const outShape = perm.map((p) => shape[p]), strides = perm.map((p) => inStrides[p]);
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = a[src];
    for (let i = rank - 1; i >= 0; i--) {
      idx[i]++;
      src += strides[i];
      if (idx[i] < outShape[i]) break;
      src -= strides[i] * outShape[i];
      idx[i] = 0;
    }
  }
  return out;
}

/** The inverse of a permutation. */
export function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
