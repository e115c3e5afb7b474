/**
 * A small protobuf wire-format reader and writer: exactly what the ONNX ModelProto subset needs
 * (varints, 64-bit signed varints, fixed32 floats, length-delimited bytes/strings/messages and
 * packed repeated fields). No dependency, no code generation.
 *
 * Reader: works on views of one Uint8Array and never allocates for a field before checking that
 * the field's bytes are inside the message that holds it, so a hostile length cannot make it
 * allocate or read out of bounds. Every failure is a ModelFormatError naming the field path.
 *
 * Writer: collects the message as a list of chunks. Small fields go into a scratch buffer; large
 * byte fields (tensor `raw_data`) are appended by reference, so a 100 MB weight is never copied
 * before it reaches the file.
 */
import { ModelFormatError, formatError } from './errors.js';

/** Protobuf wire types. */
export const VARINT = 0, I64 = 1, LEN = 2, SGROUP = 3, EGROUP = 4, I32 = 5;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const utf8 = new TextEncoder();

// ------------------------------------------------------------------------------------ reader

export class ProtoReader {
  /** Current position in `buf`. */
  pos: number;
  /** Field number and wire type of the last tag read. */
  field = 0;
  wire = 0;

  /**
   * @param where - The message's path for error messages, e.g. `ModelProto.graph`.
   */
  constructor(readonly buf: Uint8Array, start: number, readonly end: number, readonly where: string) {
    this.pos = start;
  }

  /** Whether the message is exhausted. */
  done(): boolean {
    return this.pos >= this.end;
  }

  #fail(what: string, received: string): never {
    throw formatError(`${this.where} field ${this.field}`, what, received);
  }

  /** Reads the next tag into `field` and `wire`. */
  tag(): void {
    const start = this.pos;
    const t = this.varint();
    const field = Math.floor(t / 8), wire = t % 8;
    if (field === 0 || field > 536870911) {
      throw formatError(`${this.where} at byte ${start}`, 'a field tag (field number 1..2^29-1)', `field number ${field}`,
        'The file is not an ONNX model or is damaged.');
    }
    this.field = field;
    this.wire = wire;
  }

  /** An unsigned varint that fits a safe integer (< 2^53). */
  varint(): number {
    const b = this.buf, end = this.end;
    let result = 0, mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) this.#fail('a complete varint', 'the end of the message (truncated file)');
      const byte = b[this.pos++];
      result += (byte & 0x7f) * mul;
      if (byte < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.#fail('a value below 2^53', 'a larger varint');
        return result;
      }
      mul *= 128;
    }
    this.#fail('a varint of at most 10 bytes', 'a longer one');
  }

  /** A signed 64-bit varint (two's complement, as int64 fields), which must be a safe integer. */
  int64(): number {
    const start = this.pos, b = this.buf;
    let len = 0;
    while (true) {
      if (start + len >= this.end) this.#fail('a complete varint', 'the end of the message (truncated file)');
      if (len >= 10) this.#fail('a varint of at most 10 bytes', 'a longer one');
      if (b[start + len++] < 0x80) break;
    }
    if (len <= 7) return this.varint(); // < 2^49: non-negative and exact as a number
    let v = 0n;
    for (let i = len - 1; i >= 0; i--) v = (v << 7n) | BigInt(b[start + i] & 0x7f);
    this.pos = start + len;
    const s = BigInt.asIntN(64, v);
    if (s > BigInt(Number.MAX_SAFE_INTEGER) || s < BigInt(Number.MIN_SAFE_INTEGER)) this.#fail('an int64 within ±(2^53 − 1)', `${s}`);
    return Number(s);
  }

  /** A signed 32-bit varint (int32/enum fields are sign-extended to 64 bits on the wire). */
  int32(): number {
    const v = this.int64();
    if (v < -2147483648 || v > 2147483647) this.#fail('an int32', `${v}`);
    return v;
  }

  /** A fixed32 float. */
  float(): number {
    if (this.pos + 4 > this.end) this.#fail('4 bytes of a float', 'the end of the message (truncated file)');
    const b = this.buf, p = this.pos;
    this.pos += 4;
    return new DataView(b.buffer, b.byteOffset + p, 4).getFloat32(0, true);
  }

  /** The bytes of a length-delimited field, as a view (no copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > this.end - this.pos) {
      this.#fail(`a length within the ${this.end - this.pos} bytes left in the message`, `length ${len} (truncated or damaged file)`);
    }
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  /** A UTF-8 string of at most `maxBytes` bytes. */
  string(maxBytes: number): string {
    const b = this.bytes();
    if (b.length > maxBytes) this.#fail(`a string of at most ${maxBytes} bytes`, `${b.length} bytes`);
    try {
      return utf8Strict.decode(b);
    } catch {
      this.#fail('valid UTF-8', 'invalid bytes');
    }
  }

  /** A reader over an embedded message (length-delimited), named `where`. */
  message(where: string): ProtoReader {
    const b = this.bytes();
    return new ProtoReader(this.buf, b.byteOffset - this.buf.byteOffset, b.byteOffset - this.buf.byteOffset + b.length, where);
  }

  /** Checks the wire type of the current field. */
  expect(wire: number): void {
    if (this.wire !== wire) this.#fail(`wire type ${wire}`, `wire type ${this.wire}`);
  }

  /**
   * Reads a repeated varint field, packed (one LEN field) or not (one VARINT), appending to `out`
   * (at most `max` values in all).
   */
  repeatedInt64(out: number[], max: number): void {
    if (this.wire === VARINT) {
      if (out.length >= max) this.#fail(`at most ${max} values`, 'more');
      out.push(this.int64());
      return;
    }
    this.expect(LEN);
    const sub = this.message(this.where);
    sub.field = this.field;
    while (!sub.done()) {
      if (out.length >= max) this.#fail(`at most ${max} values`, 'more');
      out.push(sub.int64());
    }
  }

  /** Reads a repeated float field, packed or not, appending to `out` (at most `max` values). */
  repeatedFloat(out: number[], max: number): void {
    if (this.wire === I32) {
      if (out.length >= max) this.#fail(`at most ${max} values`, 'more');
      out.push(this.float());
      return;
    }
    this.expect(LEN);
    const b = this.bytes();
    if (b.length % 4 !== 0) this.#fail('a multiple of 4 bytes of packed floats', `${b.length} bytes`);
    if (out.length + b.length / 4 > max) this.#fail(`at most ${max} values`, `${out.length + b.length / 4}`);
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    for (let i = 0; i < b.length; i += 4) out.push(dv.getFloat32(i, true));
  }

  /** Skips the current field's value (unknown fields are allowed, as in protobuf). */
  skip(): void {
    switch (this.wire) {
      case VARINT:
        this.int64Skip();
        return;
      case I64:
        if (this.pos + 8 > this.end) this.#fail('8 bytes', 'the end of the message (truncated file)');
        this.pos += 8;
        return;
      case LEN:
        this.bytes();
        return;
      case I32:
        if (this.pos + 4 > this.end) this.#fail('4 bytes', 'the end of the message (truncated file)');
        this.pos += 4;
        return;
      default:
        // Groups are deprecated and ONNX never uses them; refusing them also bounds nesting.
        this.#fail('wire type 0, 1, 2 or 5', `wire type ${this.wire}`);
    }
  }

  private int64Skip(): void {
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.#fail('a complete varint', 'the end of the message (truncated file)');
      if (this.buf[this.pos++] < 0x80) return;
    }
    this.#fail('a varint of at most 10 bytes', 'a longer one');
  }
}

/** A reader over a whole buffer; `where` names the top-level message. */
export function reader(buf: Uint8Array, where: string): ProtoReader {
  if (!(buf instanceof Uint8Array)) throw new ModelFormatError(`${where} expected a Uint8Array, received ${typeof buf}.`);
  return new ProtoReader(buf, 0, buf.length, where);
}

// ------------------------------------------------------------------------------------ writer

/** Byte fields at least this long are appended by reference instead of copied. */
const BY_REFERENCE = 1024;

export class ProtoWriter {
  readonly #chunks: Uint8Array[] = [];
  #scratch = new Uint8Array(256);
  #used = 0;
  /** Flushed bytes (in #chunks). */
  #flushed = 0;

  /** Total bytes written so far. */
  get size(): number {
    return this.#flushed + this.#used;
  }

  #room(n: number): void {
    if (this.#used + n <= this.#scratch.length) return;
    this.#flush();
    if (n > this.#scratch.length) this.#scratch = new Uint8Array(Math.max(n, 4096));
  }

  #flush(): void {
    if (this.#used === 0) return;
    this.#chunks.push(this.#scratch.subarray(0, this.#used));
    this.#flushed += this.#used;
    // The flushed part stays referenced by the chunk; continue in the rest of the scratch.
    this.#scratch = this.#scratch.subarray(this.#used);
    this.#used = 0;
  }

  /** An unsigned varint from a non-negative safe integer. */
  varint(n: number): void {
    this.#room(10);
    const s = this.#scratch;
    while (n >= 0x80) {
      s[this.#used++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    s[this.#used++] = n;
  }

  /** A signed int64 varint (negative values take 10 bytes, as protobuf's int64). */
  int64Value(n: number): void {
    if (n >= 0) return this.varint(n);
    let v = BigInt.asUintN(64, BigInt(n));
    this.#room(10);
    const s = this.#scratch;
    while (v >= 0x80n) {
      s[this.#used++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    s[this.#used++] = Number(v);
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int64(field: number, n: number): void {
    this.tag(field, VARINT);
    this.int64Value(n);
  }

  float(field: number, f: number): void {
    this.tag(field, I32);
    this.#room(4);
    new DataView(this.#scratch.buffer, this.#scratch.byteOffset + this.#used, 4).setFloat32(0, f, true);
    this.#used += 4;
  }

  /** A length-delimited byte field; large arrays are referenced, not copied (do not modify them until written). */
  bytes(field: number, b: Uint8Array): void {
    this.tag(field, LEN);
    this.varint(b.length);
    if (b.length >= BY_REFERENCE) {
      this.#flush();
      this.#chunks.push(b);
      this.#flushed += b.length;
      return;
    }
    this.#room(b.length);
    this.#scratch.set(b, this.#used);
    this.#used += b.length;
  }

  string(field: number, s: string): void {
    this.bytes(field, utf8.encode(s));
  }

  /** An embedded message written with its own writer. */
  message(field: number, w: ProtoWriter): void {
    this.tag(field, LEN);
    this.varint(w.size);
    this.#flush();
    for (const c of w.chunks()) this.#chunks.push(c);
    this.#flushed += w.size;
  }

  /** A packed repeated int64 field. */
  packedInt64(field: number, values: readonly number[]): void {
    const inner = new ProtoWriter();
    for (const v of values) inner.int64Value(v);
    this.tag(field, LEN);
    this.varint(inner.size);
    this.#flush();
    for (const c of inner.chunks()) this.#chunks.push(c);
    this.#flushed += inner.size;
  }

  /** The written bytes as chunks, in order. */
  chunks(): Uint8Array[] {
    this.#flush();
    return this.#chunks;
  }

  /** The written bytes in one buffer. */
  finish(): Uint8Array {
    const chunks = this.chunks();
    if (chunks.length === 1) return chunks[0];
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}
