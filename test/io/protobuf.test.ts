/** The protobuf wire-format codec and the ONNX message subset, against hand-encoded bytes. */
import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/io/onnx/errors.js';
import { DataType, decodeModel, decodeTensor, encodeModel, encodeTensor } from '../../src/io/onnx/onnxProto.js';
import { ProtoReader, ProtoWriter, reader } from '../../src/io/onnx/protobuf.js';
import { floatTensor, readFloats, readInts, transpose } from '../../src/io/onnx/tensors.js';

function bytes(w: ProtoWriter): number[] {
  return [...w.finish()];
}

describe('protobuf writer', () => {
  it('writes varints as protobuf does (little-endian base 128)', () => {
    const cases: [number, number[]][] = [[0, [0]], [1, [1]], [127, [0x7f]], [128, [0x80, 1]], [300, [0xac, 0x02]],
      [2 ** 32, [0x80, 0x80, 0x80, 0x80, 0x10]], [Number.MAX_SAFE_INTEGER, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]]];
    for (const [n, enc] of cases) {
      const w = new ProtoWriter();
      w.varint(n);
      expect(bytes(w), `${n}`).toEqual(enc);
      const r = reader(Uint8Array.from(enc), 't');
      expect(r.int64()).toBe(n);
      expect(r.done()).toBe(true);
    }
  });

  it('writes negative int64 in ten bytes (two\'s complement) and reads them back', () => {
    const w = new ProtoWriter();
    w.int64(3, -1);
    expect(bytes(w)).toEqual([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    for (const n of [-1, -2, -300, Number.MIN_SAFE_INTEGER]) {
      const v = new ProtoWriter();
      v.int64Value(n);
      expect(reader(v.finish(), 't').int64()).toBe(n);
    }
  });

  it('writes floats as fixed32 and length-delimited fields with their length', () => {
    const w = new ProtoWriter();
    w.float(2, 1.5);
    w.string(1, 'hé');
    expect(bytes(w)).toEqual([0x15, 0, 0, 0xc0, 0x3f, 0x0a, 3, 0x68, 0xc3, 0xa9]);
  });

  it('references large byte fields instead of copying them', () => {
    const big = new Uint8Array(5000).fill(7), w = new ProtoWriter();
    w.bytes(9, big);
    expect(w.chunks()).toContain(big);
    expect(w.size).toBe(1 + 2 + 5000);
    const outer = new ProtoWriter();
    outer.message(7, w);
    expect(outer.chunks()).toContain(big);
  });
});

describe('protobuf reader', () => {
  it('refuses truncated varints, overlong varints, lengths past the end and bad UTF-8', () => {
    expect(() => reader(Uint8Array.of(0x80), 'm').varint()).toThrow(/truncated file/);
    expect(() => reader(Uint8Array.of(...new Array(11).fill(0x80), 0), 'm').int64()).toThrow(/at most 10 bytes/);
    expect(() => reader(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), 'm').varint()).toThrow(/below 2\^53/);
    expect(() => reader(Uint8Array.of(5, 1, 2), 'm').bytes()).toThrow(ModelFormatError);
    expect(() => reader(Uint8Array.of(2, 0xc3, 0x28), 'm').string(10)).toThrow(/valid UTF-8/);
    expect(() => reader(Uint8Array.of(3, 0x61, 0x62, 0x63), 'm').string(2)).toThrow(/at most 2 bytes/);
    const r = reader(Uint8Array.of(0), 'ModelProto');
    expect(() => r.tag()).toThrow(/ModelProto at byte 0 expected a field tag/);
  });

  it('reads tensor dims packed and unpacked, and raw_data at any alignment', () => {
    const packed = decodeTensor(reader(encodeTensor(floatTensor('w', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3])).finish(), 't'));
    expect(packed.dims).toEqual([2, 3]);
    // Unpacked dims (field 1 as separate varints), raw_data starting at an odd offset of the buffer.
    const w = new ProtoWriter();
    w.int64(1, 2);
    w.int64(1, 1);
    w.int64(2, DataType.FLOAT);
    w.bytes(9, new Uint8Array(Float32Array.of(-1.25, 3.5).buffer));
    const enc = w.finish(), shifted = new Uint8Array(enc.length + 1);
    shifted.set(enc, 1);
    const t = decodeTensor(new ProtoReader(shifted, 1, shifted.length, 't'));
    expect(t.dims).toEqual([2, 1]);
    expect([...readFloats(t, 't')]).toEqual([-1.25, 3.5]);
    // float_data (packed field 4) and int64_data (field 7), as other writers use them.
    const hand = Uint8Array.of(0x08, 2, 0x10, 1, 0x22, 8, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40);
    expect([...readFloats(decodeTensor(reader(hand, 't')), 't')]).toEqual([1, 2]);
    const ints = Uint8Array.of(0x08, 2, 0x10, 7, 0x3a, 11, 5, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
    expect(readInts(decodeTensor(reader(ints, 't')), 't')).toEqual([5, -1]);
  });

  it('skips unknown fields of every wire type', () => {
    const w = new ProtoWriter();
    w.int64(1, 8); // ir_version
    w.int64(99, 5);
    w.float(98, 1);
    w.string(97, 'x');
    w.tag(96, 1);
    const m = new Uint8Array([...w.finish(), 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(decodeModel(m).irVersion).toBe(8);
  });

  it('round-trips a ModelProto through encode and decode', () => {
    const proto = decodeModel(encodeModel({
      irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'p', producerVersion: '1', domain: 'd', modelVersion: 1,
      docString: 'doc', metadataProps: [{ key: 'k', value: 'v' }],
      graph: {
        name: 'g', node: [{ input: ['a', 'w'], output: ['b'], name: 'n', opType: 'Gemm', domain: '', attribute: [{ name: 'alpha', type: 1, f: 0.5 }, { name: 'perm', type: 7, ints: [0, -1] }] }],
        initializer: [floatTensor('w', Float32Array.of(1, 2), [2])], input: [{ name: 'a', elemType: 1, shape: [{ param: 'batch' }, { value: 2 }] }],
        output: [{ name: 'b', elemType: 1, shape: [{ param: 'batch' }] }], valueInfo: [],
      },
      trainingInfo: [{ algorithm: { name: 's', node: [], initializer: [], input: [], output: [], valueInfo: [] }, initializationBinding: [], updateBinding: [] }],
    }).finish());
    expect(proto.graph!.node[0].attribute).toEqual([{ name: 'alpha', type: 1, f: 0.5 }, { name: 'perm', type: 7, ints: [0, -1] }]);
    expect(proto.graph!.input[0].shape).toEqual([{ param: 'batch' }, { value: 2 }]);
    expect([...readFloats(proto.graph!.initializer[0], 'w')]).toEqual([1, 2]);
    expect(proto.trainingInfo[0].algorithm!.name).toBe('s');
    expect(proto.metadataProps).toEqual([{ key: 'k', value: 'v' }]);
  });
});

describe('layout helpers', () => {
  it('transposes HWIO to OIHW', () => {
    // kernel [kh=1, kw=2, in=2, out=3], value = 100·h + 10·w + ... encoded as index
    const k = Float32Array.from({ length: 12 }, (_, i) => i);
    const t = transpose(k, [1, 2, 2, 3], [3, 2, 0, 1]);
    // out[o][i][h][w] = k[h][w][i][o] = ((h·2 + w)·2 + i)·3 + o
    for (let o = 0; o < 3; o++) for (let i = 0; i < 2; i++) for (let w = 0; w < 2; w++)
      expect(t[(o * 2 + i) * 2 + w]).toBe((w * 2 + i) * 3 + o);
  });
});
