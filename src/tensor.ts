/**
 * Tensor: a flat typed array plus a shape (row-major, last axis fastest), the value kerno's API
 * takes and returns. There is no disposal: a Tensor is an ordinary garbage-collected object.
 *
 * Three dtypes are enough for training: float32 for inputs, outputs and weights, and int32 or
 * uint8 for labels and raw images (Fashion-MNIST pixels stay uint8 until the engine converts a
 * batch). Views (`reshape`, `slice`) share memory with their source, as numpy views do; `gather`
 * copies.
 */
import { ShapeError, ValueError, expectedMessage } from './errors.js';

/** Element types a Tensor can hold. */
export type DType = 'float32' | 'int32' | 'uint8';

/** The typed array behind each dtype. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

/** Nested number arrays as `toArray()` returns them (a bare number for a rank-0 tensor). */
export type TensorArray = number | TensorArray[];

/** Typed arrays `tensor()` accepts as data (converted when their type is not a Tensor dtype). */
export type NumericTypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint32Array
  | Uint16Array
  | Uint8Array
  | Uint8ClampedArray;

/** Nested arrays of numbers; the innermost level may also be a typed array (e.g. an array of rows). */
export type NestedNumbers = number | NumericTypedArray | readonly NestedNumbers[];

/** Anything `fit`, `evaluate` and `predict` accept where a Tensor is expected. */
export type TensorLike = Tensor | NumericTypedArray | readonly NestedNumbers[];

function dtypeOf(data: TensorData): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

function shapeString(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Checks a shape (non-negative safe integers) and returns its element count. */
function checkedSize(shape: readonly number[], where: string): number {
  if (!Array.isArray(shape)) throw new ValueError(expectedMessage(where, 'a shape (array of integers)', shape));
  let size = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(expectedMessage(where, 'a shape of non-negative integers', d, `In shape ${shapeString(shape)}.`));
    }
    size *= d;
  }
  if (!Number.isSafeInteger(size)) {
    throw new ShapeError(expectedMessage(where, 'a shape whose size is a safe integer', size, `In shape ${shapeString(shape)}.`));
  }
  return size;
}

export class Tensor {
  /** Dimensions, outermost first; `[]` for a scalar. Frozen. */
  readonly shape: readonly number[];
  /** The elements, row-major. Shared with views made by `reshape` and `slice`. */
  readonly data: TensorData;
  /** Element type, implied by the data's array type. */
  readonly dtype: DType;
  readonly #size: number;

  /**
   * Wraps `data` (not copied) with `shape`.
   * @throws ShapeError when the product of `shape` is not `data.length`.
   */
  constructor(data: TensorData, shape: readonly number[]) {
    if (!(data instanceof Float32Array || data instanceof Int32Array || data instanceof Uint8Array)) {
      throw new ValueError(expectedMessage('Tensor(data)', 'a Float32Array, Int32Array or Uint8Array', data));
    }
    const size = checkedSize(shape, 'Tensor(shape)');
    if (size !== data.length) {
      throw new ShapeError(
        expectedMessage('Tensor(data)', `${size} elements for shape ${shapeString(shape)}`, data),
      );
    }
    this.data = data;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOf(data);
    this.#size = size;
  }

  /** Number of elements. */
  get size(): number {
    return this.#size;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /**
   * The elements as nested arrays of numbers (`[[1, 2], [3, 4]]` for shape [2, 2]); a rank-0
   * tensor gives a bare number. `T` is an unchecked convenience cast, e.g. `toArray<number[][]>()`.
   */
  toArray<T extends TensorArray = TensorArray>(): T {
    const { data, shape } = this;
    if (shape.length === 0) return data[0] as T;
    let pos = 0;
    const build = (axis: number): TensorArray[] => {
      const n = shape[axis];
      const out = new Array<TensorArray>(n);
      if (axis === shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[pos++];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(axis + 1);
      }
      return out;
    };
    return build(0) as T;
  }

  /**
   * Index of the largest element along `axis` (default the last), as an int32 tensor with that
   * axis removed. Like numpy: ties give the first index, and a NaN counts as the maximum.
   * @throws ValueError for a rank-0 tensor, an axis out of range, or an empty axis.
   */
  argMax(axis = -1): Tensor {
    const rank = this.rank;
    if (rank === 0) throw new ValueError(expectedMessage('argMax(axis)', 'a tensor of rank ≥ 1', 'a scalar tensor'));
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      throw new ValueError(expectedMessage('argMax(axis)', `an integer in [${-rank}, ${rank - 1}]`, axis));
    }
    const ax = axis < 0 ? axis + rank : axis;
    const n = this.shape[ax];
    if (n === 0) throw new ValueError(expectedMessage('argMax(axis)', 'an axis of length ≥ 1', 0, `Shape ${shapeString(this.shape)}.`));
    let outer = 1;
    for (let i = 0; i < ax; i++) outer *= this.shape[i];
    let inner = 1;
    for (let i = ax + 1; i < rank; i++) inner *= this.shape[i];
    const out = new Int32Array(outer * inner);
    const d = this.data;
    for (let o = 0; o < outer; o++) {
      const base = o * n * inner;
      for (let j = 0; j < inner; j++) {
        let best = 0;
        let bestVal = d[base + j];
        if (bestVal === bestVal) {
          for (let k = 1; k < n; k++) {
            const v = d[base + k * inner + j];
            if (v !== v) {
              best = k; // numpy returns the first NaN
              break;
            }
            if (v > bestVal) {
              bestVal = v;
              best = k;
            }
          }
        }
        out[o * inner + j] = best;
      }
    }
    return new Tensor(out, [...this.shape.slice(0, ax), ...this.shape.slice(ax + 1)]);
  }

  /**
   * The same data under another shape (no copy). One dimension may be -1: it is inferred.
   * @throws ShapeError when the sizes differ or -1 cannot be inferred.
   */
  reshape(shape: readonly number[]): Tensor {
    if (!Array.isArray(shape)) throw new ValueError(expectedMessage('reshape(shape)', 'an array of integers', shape));
    const inferred = shape.indexOf(-1);
    if (inferred >= 0) {
      if (shape.indexOf(-1, inferred + 1) >= 0) {
        throw new ShapeError(expectedMessage('reshape(shape)', 'at most one -1', shapeString(shape)));
      }
      const rest = shape.filter((_, i) => i !== inferred);
      const known = checkedSize(rest, 'reshape(shape)');
      if (known === 0 || this.#size % known !== 0) {
        throw new ShapeError(
          expectedMessage('reshape(shape)', `a shape compatible with ${this.#size} elements`, shapeString(shape), `Tensor shape ${shapeString(this.shape)}.`),
        );
      }
      const full = shape.slice();
      full[inferred] = this.#size / known;
      return new Tensor(this.data, full);
    }
    const size = checkedSize(shape, 'reshape(shape)');
    if (size !== this.#size) {
      throw new ShapeError(
        expectedMessage('reshape(shape)', `a shape of ${this.#size} elements`, shapeString(shape), `Tensor shape ${shapeString(this.shape)}.`),
      );
    }
    return new Tensor(this.data, shape);
  }

  /**
   * Rows `start` (inclusive) to `end` (exclusive) along axis 0, sharing memory (a subarray).
   * Like `Array.prototype.slice`: negative indices count from the end and bounds are clamped.
   */
  slice(start: number, end?: number): Tensor {
    const rows = this.#rows('slice');
    if (!Number.isInteger(start)) throw new ValueError(expectedMessage('slice(start)', 'an integer', start));
    if (end !== undefined && !Number.isInteger(end)) throw new ValueError(expectedMessage('slice(end)', 'an integer', end));
    const clamp = (i: number): number => (i < 0 ? Math.max(0, rows + i) : Math.min(i, rows));
    const s = clamp(start);
    const e = Math.max(s, end === undefined ? rows : clamp(end));
    const stride = rows === 0 ? 0 : this.#size / rows;
    return new Tensor(this.data.subarray(s * stride, e * stride), [e - s, ...this.shape.slice(1)]);
  }

  /**
   * A new tensor holding the listed rows of axis 0 in that order (a copy); used for shuffling
   * and validation splits.
   * @throws ValueError for an index that is not an integer in [0, rows).
   */
  gather(rows: Int32Array | Uint32Array | readonly number[]): Tensor {
    const n = this.#rows('gather');
    if (!(Array.isArray(rows) || rows instanceof Int32Array || rows instanceof Uint32Array)) {
      throw new ValueError(expectedMessage('gather(rows)', 'an Int32Array or an array of row indices', rows));
    }
    const stride = n === 0 ? 0 : this.#size / n;
    const out = new (this.data.constructor as new (n: number) => TensorData)(rows.length * stride);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!Number.isInteger(r) || r < 0 || r >= n) {
        throw new ValueError(expectedMessage('gather(rows)', `row indices in [0, ${n})`, r, `At position ${i}.`));
      }
      if (stride === 1) out[i] = this.data[r];
      else out.set(this.data.subarray(r * stride, (r + 1) * stride), i * stride);
    }
    return new Tensor(out, [rows.length, ...this.shape.slice(1)]);
  }

  /** The data as a Float32Array: the data itself when the dtype is float32, else a converted copy. */
  asFloat32(): Float32Array {
    return this.data instanceof Float32Array ? this.data : Float32Array.from(this.data);
  }

  /** E.g. `Tensor(float32, [2, 3])`. */
  toString(): string {
    return `Tensor(${this.dtype}, ${shapeString(this.shape)})`;
  }

  #rows(method: string): number {
    if (this.rank === 0) throw new ValueError(expectedMessage(`${method}()`, 'a tensor of rank ≥ 1', 'a scalar tensor'));
    return this.shape[0];
  }
}

// ------------------------------------------------------------------------------------ building

function isNumericView(v: unknown): v is NumericTypedArray {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array);
}

function isArrayLevel(v: unknown): v is readonly NestedNumbers[] | NumericTypedArray {
  return Array.isArray(v) || isNumericView(v);
}

/** The dtype a flat typed array keeps when none is requested: its own, or the lossless one. */
function naturalDType(v: NumericTypedArray): DType {
  if (v instanceof Uint8Array || v instanceof Uint8ClampedArray) return 'uint8';
  if (v instanceof Int32Array || v instanceof Int16Array || v instanceof Int8Array || v instanceof Uint16Array) return 'int32';
  return 'float32'; // Float32Array, Float64Array, and Uint32Array (which may not fit int32)
}

function allocate(dtype: DType, n: number): TensorData {
  return dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Uint8Array(n);
}

/** Throws unless every value fits `dtype` exactly (float32 takes any number). */
function checkRange(values: ArrayLike<number>, dtype: DType, where: string): void {
  if (dtype === 'float32') return;
  const [lo, hi] = dtype === 'int32' ? [-2147483648, 2147483647] : [0, 255];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new ValueError(expectedMessage(where, `${dtype} values (integers in [${lo}, ${hi}])`, v, `At flat index ${i}.`));
    }
  }
}

/** Infers the shape of nested arrays from their first elements; ragged nesting is found while flattening. */
function inferShape(x: NestedNumbers): number[] {
  const shape: number[] = [];
  let v: unknown = x;
  while (isArrayLevel(v)) {
    shape.push(v.length);
    if (v.length === 0) break;
    v = v[0];
  }
  return shape;
}

function flattenInto(x: readonly NestedNumbers[], shape: readonly number[], out: Float64Array, where: string): void {
  let pos = 0;
  const path: number[] = [];
  const ragged = (expected: string, received: unknown): ShapeError =>
    new ShapeError(
      expectedMessage(where, expected, received, `At index [${path.join('][')}]; nested arrays must be rectangular (inferred shape ${shapeString(shape)}).`),
    );
  const walk = (v: unknown, axis: number): void => {
    if (axis === shape.length) {
      if (typeof v !== 'number') {
        if (isArrayLevel(v)) throw ragged('a number', v);
        throw new ValueError(expectedMessage(where, 'numbers', v, `At index [${path.join('][')}].`));
      }
      out[pos++] = v;
      return;
    }
    if (!isArrayLevel(v)) {
      if (typeof v === 'number') throw ragged(`an array of length ${shape[axis]}`, v);
      throw new ValueError(expectedMessage(where, 'numbers or nested arrays of numbers', v, `At index [${path.join('][')}].`));
    }
    if (v.length !== shape[axis]) throw ragged(`an array of length ${shape[axis]}`, v);
    if (axis === shape.length - 1 && isNumericView(v)) {
      out.set(v, pos);
      pos += v.length;
      return;
    }
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walk(v[i], axis + 1);
      path.pop();
    }
  };
  walk(x, 0);
}

function build(data: unknown, shape: readonly number[] | undefined, dtype: DType | undefined, where: string): Tensor {
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'int32' && dtype !== 'uint8') {
    throw new ValueError(expectedMessage(`${where} dtype`, "'float32', 'int32' or 'uint8'", dtype));
  }
  let flat: NumericTypedArray | Float64Array;
  let inferred: number[];
  let natural: DType = 'float32';
  if (typeof data === 'number') {
    flat = Float64Array.of(data);
    inferred = [];
  } else if (isNumericView(data)) {
    flat = data;
    inferred = [data.length];
    natural = naturalDType(data);
  } else if (Array.isArray(data)) {
    inferred = inferShape(data);
    const size = checkedSize(inferred, where);
    flat = new Float64Array(size);
    flattenInto(data, inferred, flat, where);
  } else {
    throw new ValueError(expectedMessage(where, 'a typed array, a number or (nested) arrays of numbers', data));
  }
  const dt = dtype ?? natural;
  const finalShape = shape ?? inferred;
  const size = checkedSize(finalShape, `${where} shape`);
  if (size !== flat.length) {
    throw new ShapeError(
      expectedMessage(`${where} shape`, `a shape of ${flat.length} elements (the data's)`, shapeString(finalShape)),
    );
  }
  // A typed array of the requested type is shared, not copied, so big datasets cost no memory.
  const same =
    (dt === 'float32' && flat instanceof Float32Array) ||
    (dt === 'int32' && flat instanceof Int32Array) ||
    (dt === 'uint8' && flat instanceof Uint8Array && !(flat instanceof Uint8ClampedArray));
  if (same) return new Tensor(flat as TensorData, finalShape);
  checkRange(flat, dt, where);
  const out = allocate(dt, flat.length);
  out.set(flat);
  return new Tensor(out, finalShape);
}

/**
 * Builds a Tensor.
 *
 * - `data`: a typed array (shape `[length]` unless `shape` is given), nested arrays of numbers
 *   (shape inferred; the innermost level may be typed arrays), or a single number (rank 0).
 * - `shape`: overrides the inferred shape; its size must equal the number of elements.
 * - `dtype`: defaults to the typed array's own type (Float32Array → float32, Int32Array → int32,
 *   Uint8Array → uint8; Int8/Int16/Uint16 → int32; Float64Array/Uint32Array → float32) and to
 *   float32 for JS numbers, as in tfjs. Converting to int32/uint8 requires exact integers in range.
 *
 * A typed array that already has the requested dtype is shared, not copied (like `np.asarray`):
 * later writes to it show in the tensor.
 * @throws ShapeError for ragged nested arrays or a size mismatch; ValueError for non-numbers or
 * values that do not fit the dtype.
 */
export function tensor(data: NestedNumbers, shape?: readonly number[], dtype?: DType): Tensor {
  return build(data, shape, dtype, 'tensor(data)');
}

/**
 * Accepts what the model API takes as input: a Tensor is returned as is; a typed array or
 * (nested) number arrays become a Tensor as `tensor()` builds it (a flat typed array gives
 * rank 1). Errors name `argName`, e.g. `toTensor(y, 'fit(y)')`.
 */
export function toTensor(x: TensorLike, argName: string): Tensor {
  if (x instanceof Tensor) return x;
  if (isNumericView(x) || Array.isArray(x)) return build(x, undefined, undefined, argName);
  throw new ValueError(expectedMessage(argName, 'a Tensor, a typed array or (nested) arrays of numbers', x));
}
