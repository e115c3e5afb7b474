/**
 * Reader for IDX files, the format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
 *
 *   bytes 0-1  zero
 *   byte  2    element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   byte  3    number of dimensions D
 *   D × uint32 dimension sizes, big-endian
 *   data       row-major, big-endian, exactly the product of the sizes many elements
 *
 * Gzipped files (starting with 1f 8b) are inflated transparently. Files are untrusted input: every
 * size is checked against the bytes actually present, and inflation against `maxBytes`, before
 * anything is allocated, and each problem is a ValueError naming the file.
 */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ValueError } from '../errors.js';
import { Tensor, type DType } from '../tensor.js';

export interface IdxOptions {
  /**
   * Largest decompressed size in bytes accepted (a gzip bomb or a corrupt header beyond it is an
   * error instead of an allocation). Default 1 GiB; the full Fashion-MNIST training images are 47 MB.
   */
  maxBytes?: number;
}

export interface ParseIdxOptions extends IdxOptions {
  /** What to call the data in error messages (a file name). Default `'IDX data'`. */
  name?: string;
}

const DEFAULT_MAX_BYTES = 1 << 30;

interface ElementType {
  readonly code: number;
  readonly name: string;
  readonly bytes: number;
  /** The Tensor dtype it is read into: lossless for the integers, float32 for floats. */
  readonly dtype: DType;
}

const ELEMENT_TYPES: readonly ElementType[] = [
  { code: 0x08, name: 'uint8', bytes: 1, dtype: 'uint8' },
  { code: 0x09, name: 'int8', bytes: 1, dtype: 'int32' },
  { code: 0x0b, name: 'int16', bytes: 2, dtype: 'int32' },
  { code: 0x0c, name: 'int32', bytes: 4, dtype: 'int32' },
  { code: 0x0d, name: 'float32', bytes: 4, dtype: 'float32' },
  { code: 0x0e, name: 'float64', bytes: 8, dtype: 'float32' },
];

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/** The one error format: `<where> expected <what>, received <what>.` (received given as text here). */
function fail(where: string, expected: string, received: string, hint?: string): ValueError {
  return new ValueError(`${where} expected ${expected}, received ${received}.${hint ? ' ' + hint : ''}`);
}

function checkMaxBytes(options: IdxOptions | undefined, where: string): number {
  const max = options?.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!Number.isSafeInteger(max) || max < 0) {
    throw new ValueError(`${where} options.maxBytes expected a non-negative integer, received ${String(max)}.`);
  }
  return max;
}

function inflate(bytes: Uint8Array, maxBytes: number, where: string): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw fail(where, `gzip data inflating to at most ${maxBytes} bytes (options.maxBytes)`, 'more');
    }
    throw fail(where, 'valid gzip data', `data zlib rejects (${err.message})`, 'The file may be truncated or corrupt.');
  }
}

/**
 * Parses IDX bytes (gzipped or not) into a Tensor of the file's shape. uint8 stays uint8; int8,
 * int16 and int32 become int32; float32 and float64 become float32.
 * @throws ValueError for a bad magic number, unknown element type, truncated header or data,
 * trailing bytes, dimensions whose product overflows, or data inflating beyond `maxBytes`.
 */
export function parseIdx(bytes: Uint8Array, options?: ParseIdxOptions): Tensor {
  const where = options?.name ?? 'IDX data';
  if (!(bytes instanceof Uint8Array)) throw fail(where, 'a Uint8Array or Buffer', typeof bytes);
  const maxBytes = checkMaxBytes(options, where);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = inflate(bytes, maxBytes, where);
  else if (bytes.length > maxBytes) throw fail(where, `at most ${maxBytes} bytes (options.maxBytes)`, `${bytes.length}`);

  if (bytes.length < 4) throw fail(where, 'a 4-byte IDX magic number', `${bytes.length} bytes`, 'The file is truncated.');
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(where, 'an IDX magic number starting with two zero bytes', `${hex(bytes[0])} ${hex(bytes[1])}`, 'This is not an IDX file.');
  }
  const type = ELEMENT_TYPES.find((t) => t.code === bytes[2]);
  if (!type) {
    throw fail(where, 'an IDX element type 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e', hex(bytes[2]), 'This is not an IDX file.');
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw fail(where, `${headerBytes} header bytes for ${rank} dimensions`, `${bytes.length} bytes`, 'The file is truncated.');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  // Bound the product as it grows, so a header claiming 2^32 × 2^32 elements fails before any allocation.
  const maxCount = Math.floor(maxBytes / type.bytes);
  for (let d = 0; d < rank; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    shape.push(n);
    count *= n;
    if (count > maxCount) {
      throw fail(
        where,
        `dimensions whose product fits in ${maxBytes} bytes (options.maxBytes)`,
        `dimensions [${shape.join(', ')}${d < rank - 1 ? ', ...' : ''}]`,
        'The header is corrupt or the file is too large.',
      );
    }
  }
  const dataBytes = count * type.bytes;
  const present = bytes.length - headerBytes;
  if (present !== dataBytes) {
    throw fail(
      where,
      `${dataBytes} data bytes for ${type.name} dimensions [${shape.join(', ')}]`,
      `${present}`,
      present < dataBytes ? 'The file is truncated.' : 'The file has trailing bytes.',
    );
  }

  const body = bytes.subarray(headerBytes);
  let data: Float32Array | Int32Array | Uint8Array;
  switch (type.code) {
    case 0x08:
      data = Uint8Array.from(body); // a copy: `bytes` may be a view into a pooled Buffer
      break;
    case 0x09:
      data = Int32Array.from(new Int8Array(body.buffer, body.byteOffset, count));
      break;
    case 0x0b: {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(headerBytes + 2 * i, false);
      break;
    }
    case 0x0c: {
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(headerBytes + 4 * i, false);
      break;
    }
    case 0x0d: {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(headerBytes + 4 * i, false);
      break;
    }
    default: {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(headerBytes + 8 * i, false);
    }
  }
  return new Tensor(data, shape);
}

/**
 * Reads an IDX file (gzipped or not) into a Tensor; see `parseIdx` for the dtypes. Errors name
 * the file; a missing file throws Node's ENOENT error.
 */
export function readIdx(path: string, options?: IdxOptions): Tensor {
  if (typeof path !== 'string') throw new ValueError(`readIdx(path) expected a file path string, received ${typeof path}.`);
  const where = `readIdx(${path})`;
  const maxBytes = checkMaxBytes(options, where);
  // Bound the read itself too: no IDX file within maxBytes is bigger on disk, gzipped or not.
  const onDisk = statSync(path).size;
  if (onDisk > maxBytes + 1024) throw fail(where, `a file of at most ${maxBytes} bytes (options.maxBytes)`, `${onDisk} bytes`);
  return parseIdx(readFileSync(path), { maxBytes, name: where });
}
