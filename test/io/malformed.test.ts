/**
 * Files are untrusted input: truncated, flipped, oversized, deeply nested, not ONNX at all, with
 * hostile metadata or external data leaving the folder. Each either loads or throws a typed
 * ModelFormatError naming the field, quickly, without crashing or allocating what it asks for.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFormatError, loadModel, modelFromBuffer } from '../../src/io/onnx/index.js';
import { type ModelProto, decodeModel, encodeModel } from '../../src/io/onnx/onnxProto.js';
import { ProtoWriter } from '../../src/io/onnx/protobuf.js';
import * as L from '../../src/layers/index.js';
import { model, randomData, rng, sameBits } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-malformed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function small(): Uint8Array {
  const m = model([4, 4, 1], [new L.Conv2D({ filters: 2, kernelSize: 2 }), new L.Flatten(), new L.Dropout({ rate: 0.1 }), new L.Dense({ units: 3, activation: 'softmax' })]);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return m.toBuffer();
}

/** Loads or throws ModelFormatError; anything else fails the test. Returns what happened. */
function loadsOrFormatError(bytes: Uint8Array): 'loaded' | 'refused' {
  try {
    modelFromBuffer(bytes);
    return 'loaded';
  } catch (e) {
    if (e instanceof ModelFormatError) return 'refused';
    throw new Error(`expected a ModelFormatError, received ${(e as Error).name}: ${(e as Error).message}`);
  }
}

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFormatError);
    return (e as Error).message;
  }
  throw new Error('expected a ModelFormatError, nothing was thrown');
}

/** `depth` length-delimited fields with tag byte `tag`, each holding the next, built in linear time. */
function nested(depth: number, tag: number): Uint8Array {
  const varintLen = (n: number) => (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4);
  const lens = [0];
  for (let k = 0; k < depth; k++) lens.push(1 + varintLen(lens[k]) + lens[k]);
  const out = new Uint8Array(lens[depth]);
  let at = 0;
  for (let k = depth - 1; k >= 0; k--) {
    out[at++] = tag;
    for (let n = lens[k]; ; n = Math.floor(n / 128)) {
      out[at++] = n >= 128 ? (n % 128) | 0x80 : n;
      if (n < 128) break;
    }
  }
  return out;
}

function tamper(bytes: Uint8Array, edit: (p: ModelProto) => void): Uint8Array {
  const p = decodeModel(bytes);
  edit(p);
  return encodeModel(p).finish();
}

function editModelJson(bytes: Uint8Array, edit: (j: { layers: { config: Record<string, unknown> }[] } & Record<string, unknown>) => void): Uint8Array {
  return tamper(bytes, (p) => {
    const e = p.metadataProps.find((x) => x.key === 'kerno.model')!;
    const j = JSON.parse(e.value);
    edit(j);
    e.value = JSON.stringify(j);
  });
}

describe('malformed files', () => {
  it('every truncation loads or throws ModelFormatError', () => {
    const bytes = small();
    const outcomes = { loaded: 0, refused: 0 };
    const t0 = performance.now();
    for (let n = 0; n < bytes.length; n++) outcomes[loadsOrFormatError(bytes.subarray(0, n))]++;
    expect(outcomes.refused).toBeGreaterThan(bytes.length * 0.9);
    expect(loadsOrFormatError(bytes)).toBe('loaded');
    // Time is not what this test decides; the bound only catches a hang.
    expect(performance.now() - t0).toBeLessThan(60_000);
  });

  it('3000 seeded random byte flips each load or throw ModelFormatError', () => {
    const bytes = small(), r = rng(2024);
    const outcomes = { loaded: 0, refused: 0 };
    for (let i = 0; i < 3000; i++) {
      const b = bytes.slice();
      const flips = 1 + Math.floor(r() * 3);
      for (let k = 0; k < flips; k++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
      const t0 = performance.now();
      outcomes[loadsOrFormatError(b)]++;
      expect(performance.now() - t0).toBeLessThan(5_000);
    }
    expect(outcomes.refused).toBeGreaterThan(100);
    expect(outcomes.loaded).toBeGreaterThan(100); // flips inside raw_data just change weights
  });

  it('refuses files that are not ONNX', () => {
    for (const b of [new Uint8Array(0), new TextEncoder().encode('hello, world'), new TextEncoder().encode('{"format": 1}'),
      Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), Uint8Array.of(0x08, 0x08, 0x12, 0x05, 0x6b)]) {
      expect(() => modelFromBuffer(b)).toThrow(ModelFormatError);
    }
    expect(messageOf(() => modelFromBuffer(new TextEncoder().encode('hello')))).toMatch(/not an ONNX model|expected/);
    // A valid ONNX model that kerno did not write goes to the foreign importer, which names what it cannot use.
    const foreign = tamper(small(), (p) => {
      p.metadataProps = [];
      p.graph!.node[1].opType = 'Selu';
    });
    expect(messageOf(() => modelFromBuffer(foreign))).toMatch(/modelFromBuffer: node 1 "conv2d\S*" \(op Selu\) is not supported: kerno has no layer for this op/);
  });

  it('refuses lengths and counts beyond the message before allocating', () => {
    const w = new ProtoWriter();
    w.tag(7, 2);
    w.varint(2 ** 40); // graph: a terabyte
    expect(messageOf(() => modelFromBuffer(w.finish()))).toMatch(/ModelProto field 7 expected a length within the 0 bytes left/);
    // A varint that never ends.
    expect(messageOf(() => modelFromBuffer(Uint8Array.of(0x08, ...new Array(12).fill(0xff))))).toMatch(/a varint of at most 10 bytes/);
    // Tensor dims whose product overflows, and raw_data shorter than the dims say.
    const bytes = small();
    expect(messageOf(() => modelFromBuffer(tamper(bytes, (p) => (p.graph!.initializer[0].dims = [2 ** 20, 2 ** 20, 2 ** 20])))))
      .toMatch(/initializer\[0\]\.dims expected at most 2147483647 elements/);
    expect(messageOf(() => modelFromBuffer(tamper(bytes, (p) => (p.graph!.initializer[0].dims = [1000]))))).toMatch(/raw_data expected 4000 bytes/);
    expect(messageOf(() => modelFromBuffer(tamper(bytes, (p) => (p.graph!.initializer[0].dims = [-5]))))).toMatch(/dims expected non-negative/);
  });

  it('refuses deep nesting without recursing', () => {
    // A type nested 100 000 sequences deep, as graph input: skipped unread (not a tensor type).
    const type = nested(100_000, 0x22); // TypeProto.sequence_type → Sequence.elem_type ... (field 4)
    const vi = new ProtoWriter();
    vi.string(1, 'input');
    vi.bytes(2, type);
    const g = new ProtoWriter();
    g.message(11, vi);
    const m = new ProtoWriter();
    m.message(7, g);
    expect(messageOf(() => modelFromBuffer(m.finish()))).toMatch(/expected a graph with one input and one output, received 1 inputs and 0 outputs/);
    // Groups (wire types 3/4), which could nest without lengths, are refused.
    expect(messageOf(() => modelFromBuffer(Uint8Array.of(0x7b, 0x7b, 0x7b, 0x7c)))).toMatch(/wire type 0, 1, 2 or 5, received wire type 3/);
    // Deep JSON in a layer configuration.
    const deep = tamper(small(), (p) => {
      const e = p.metadataProps.find((x) => x.key === 'kerno.model')!;
      e.value = e.value.replace('"config":{', `"config":{"extra":${'['.repeat(100_000)}1${']'.repeat(100_000)},`);
    });
    expect(messageOf(() => modelFromBuffer(deep))).toMatch(/nested at most 8 levels/);
  });

  it('checks every weight against the layer options before building (no huge allocation)', () => {
    const bytes = small();
    const t0 = performance.now();
    const big = editModelJson(bytes, (j) => (j.layers[3].config.units = 1e9));
    expect(messageOf(() => modelFromBuffer(big))).toMatch(/layer 3 "dense\S*" \(Dense\) weight "kernel" expected shape \[18, 1000000000\], received \[18, 3\]/);
    const wide = editModelJson(bytes, (j) => (j.inputShape = [4, 4, 100_000]));
    expect(messageOf(() => modelFromBuffer(wide))).toMatch(/layer 0 .* weight "kernel" expected shape \[2, 2, 100000, 2\]/);
    const huge = editModelJson(bytes, (j) => (j.inputShape = [1e6, 1e6, 1]));
    expect(messageOf(() => modelFromBuffer(huge))).toMatch(/inputShape expected at most 268435456 elements per sample/);
    expect(performance.now() - t0).toBeLessThan(10_000);
    const up = editModelJson(bytes, (j) => j.layers.splice(1, 0, { className: 'UpSampling2D', config: { name: 'up', trainable: true, size: [20000, 20000], interpolation: 'nearest' }, weights: [] } as never));
    expect(messageOf(() => modelFromBuffer(up))).toMatch(/layer 1 "up" \(UpSampling2D\) output expected at most 268435456 elements per sample/);
  });

  it('names hostile or inconsistent metadata', () => {
    const bytes = small();
    expect(messageOf(() => modelFromBuffer(editModelJson(bytes, (j) => (j.layers[0].config.filters = -1))))).toMatch(/Conv2D .*option "filters" expected a positive integer/);
    expect(messageOf(() => modelFromBuffer(editModelJson(bytes, (j) => ((j.layers[0] as Record<string, unknown>).className = 'Lambda'))))).toMatch(/className expected a kerno layer/);
    expect(messageOf(() => modelFromBuffer(editModelJson(bytes, (j) => (j.layers[0].config.kernelInitializer = { className: 'Evil', config: {} })))))
      .toMatch(/expected a kerno initializer/);
    expect(messageOf(() => modelFromBuffer(editModelJson(bytes, (j) => (j.layers[0].config.bogus = 1))))).toMatch(/unknown or altered options/);
    expect(messageOf(() => modelFromBuffer(editModelJson(bytes, (j) => (j.format = 2))))).toMatch(/format expected 1, received 2/);
    const many = editModelJson(bytes, (j) => (j.layers = Array.from({ length: 10_001 }, () => j.layers[2])));
    expect(messageOf(() => modelFromBuffer(many))).toMatch(/layers expected an array of 1 to 10000 layers, received an array of length 10001/);
    expect(messageOf(() => modelFromBuffer(editModelJson(bytes, (j) => (j.layers[2].config.name = j.layers[1].config.name))))).toMatch(/unique name/);
    const polluted = editModelJson(bytes, (j) => {
      j.layers[0].config = JSON.parse(JSON.stringify(j.layers[0].config).replace('{', '{"__proto__":{"polluted":1},'));
    });
    expect(() => modelFromBuffer(polluted)).toThrow(ModelFormatError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const badJson = tamper(bytes, (p) => (p.metadataProps[0].value = '{"format":'));
    expect(messageOf(() => modelFromBuffer(badJson))).toMatch(/metadata_props\["kerno.model"\] expected JSON/);
    const dup = tamper(bytes, (p) => p.metadataProps.push({ ...p.metadataProps[0] }));
    expect(messageOf(() => modelFromBuffer(dup))).toMatch(/unique keys/);
    const compile = tamper(bytes, (p) => (p.metadataProps.find((e) => e.key === 'kerno.compile')!.value = '{"optimizer":{"className":"Evil","config":{}},"loss":{},"metrics":[]}'));
    expect(messageOf(() => modelFromBuffer(compile))).toMatch(/optimizer.className expected a kerno optimizer/);
    expect(modelFromBuffer(compile, { compile: false }).optimizer).toBeUndefined();
    const noSlot = tamper(bytes, (p) => p.trainingInfo[0].algorithm!.initializer.splice(0, 1));
    expect(messageOf(() => modelFromBuffer(noSlot))).toMatch(/training_info expected the optimizer slot "optimizer\/conv2d\S*\/kernel\/momentum"/);
    const weird = tamper(bytes, (p) => (p.graph!.initializer[0].dataType = 11));
    expect(messageOf(() => modelFromBuffer(weird))).toMatch(/data_type expected FLOAT \(1\), received 11/);
  });

  it('reads external data inside the folder and refuses locations that leave it', async () => {
    const bytes = small(), folder = join(dir, 'ext');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(1 << 12));
    const base = decodeModel(bytes), t = base.graph!.initializer[0];
    writeFileSync(join(folder, 'sub', 'w.bin'), Buffer.concat([Buffer.alloc(16, 7), Buffer.from(t.rawData!)]));
    const external = (location: string, offset = '16') => tamper(bytes, (p) => {
      const x = p.graph!.initializer[0];
      x.rawData = undefined;
      x.dataLocation = 1;
      x.externalData = [{ key: 'location', value: location }, { key: 'offset', value: offset }];
    });
    // Inside the folder: loads, with the same weights.
    writeFileSync(join(folder, 'ok.onnx'), external('sub/w.bin'));
    const loaded = await loadModel(join(folder, 'ok.onnx'));
    const original = modelFromBuffer(bytes);
    expect(sameBits(loaded.getWeights()[0].data as Float32Array, original.getWeights()[0].data as Float32Array)).toBe(true);
    const x = randomData([2, 4, 4, 1]);
    expect(sameBits((await loaded.predict(x, { verbose: 0 })).data as Float32Array, (await original.predict(x, { verbose: 0 })).data as Float32Array)).toBe(true);
    // Leaving it: refused, whatever the spelling.
    symlinkSync(join(dir, 'secret.bin'), join(folder, 'link.bin'));
    for (const location of ['../secret.bin', 'sub/../../secret.bin', join(dir, 'secret.bin'), 'link.bin', '', 'sub', 'missing.bin']) {
      writeFileSync(join(folder, 'bad.onnx'), external(location, '0'));
      await expect(loadModel(join(folder, 'bad.onnx')), location).rejects.toThrow(ModelFormatError);
    }
    writeFileSync(join(folder, 'bad.onnx'), external('../secret.bin'));
    await expect(loadModel(join(folder, 'bad.onnx'))).rejects.toThrow(/external_data "location" expected a relative path inside the model's folder, received "..\/secret.bin". The path leaves the folder./);
    writeFileSync(join(folder, 'bad.onnx'), external('link.bin', '0'));
    await expect(loadModel(join(folder, 'bad.onnx'))).rejects.toThrow(/A symbolic link leads out of the folder/);
    // Offsets past the end, and external data in a buffer (no folder).
    writeFileSync(join(folder, 'bad.onnx'), external('sub/w.bin', '100000'));
    await expect(loadModel(join(folder, 'bad.onnx'))).rejects.toThrow(/offset \+ length within/);
    writeFileSync(join(folder, 'bad.onnx'), external('sub/w.bin', '-1'));
    await expect(loadModel(join(folder, 'bad.onnx'))).rejects.toThrow(/"offset" expected a non-negative integer/);
    expect(messageOf(() => modelFromBuffer(external('sub/w.bin')))).toMatch(/a buffer has no folder for external data/);
  });
});
