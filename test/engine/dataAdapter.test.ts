/**
 * Batch assembly: ArrayBatches copies the epoch's (shuffled) rows into a plan's buffers through
 * the addon's gatherRows, converting uint8/int32 data to float32 exactly as TypedArray.set does;
 * labels and sample weights follow the same rows. The binding rejects arguments that would read
 * or write outside the buffers.
 */
import { describe, expect, it } from 'vitest';
import { ArrayBatches } from '../../src/engine/dataAdapter.js';
import type { Plan } from '../../src/engine/plan.js';
import { loadAddon } from '../../src/native.js';
import { Tensor } from '../../src/tensor.js';
import { rng } from './helpers.js';

const N = 37, F = 20;

/** A fake plan: just the buffers ArrayBatches.fill writes. */
function planFor(batch: number): Plan {
  return { batch, x: new Float32Array(batch * F), y: new Float32Array(batch), w: new Float32Array(batch) } as unknown as Plan;
}

function source(kind: 'uint8' | 'int32' | 'float32'): Tensor {
  const r = rng(kind.length);
  const data = kind === 'uint8' ? Uint8Array.from({ length: N * F }, () => Math.floor(r() * 256))
    : kind === 'int32' ? Int32Array.from({ length: N * F }, () => Math.floor((r() - 0.5) * 2 ** 30)) // beyond float32's 24 bits
      : Float32Array.from({ length: N * F }, () => (r() - 0.5) * 1e3);
  return new Tensor(data, [N, F]);
}

describe('ArrayBatches', () => {
  for (const kind of ['uint8', 'int32', 'float32'] as const) {
    it(`copies every row once per shuffled epoch, converted as TypedArray.set does (${kind})`, () => {
      const x = source(kind);
      // Row i's label is i and its weight i + 0.5, so each copied row can be traced to its source.
      const y = new Tensor(Float32Array.from({ length: N }, (_, i) => i), [N]);
      const w = Float32Array.from({ length: N }, (_, i) => i + 0.5);
      const batches = new ArrayBatches(x, y, w, 8);
      batches.shuffle(123n);
      const seen = new Set<number>();
      for (let b = 0; b < batches.numBatches; b++) {
        const plan = planFor(batches.rows(b));
        batches.fill(plan, b);
        for (let r = 0; r < plan.batch; r++) {
          const row = plan.y[r];
          seen.add(row);
          expect(plan.w[r]).toBe(row + 0.5);
          const expected = new Float32Array(F);
          expected.set(x.data.subarray(row * F, (row + 1) * F));
          expect(plan.x.subarray(r * F, (r + 1) * F)).toEqual(expected);
        }
      }
      expect(seen.size).toBe(N);
      expect(batches.rows(batches.numBatches - 1)).toBe(N % 8); // the partial last batch is kept
    });
  }
});

describe('addon.gatherRows', () => {
  const addon = loadAddon();
  const src = new Uint8Array(12), idx = new Int32Array([2, 0, 1]);

  it('gathers and converts rows', () => {
    const s = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const dst = new Float32Array(8).fill(-1);
    addon.gatherRows(dst, s, 4, idx, 1, 2);
    expect([...dst]).toEqual([0, 20, 40, 60, 80, 100, 120, 140]);
  });

  it('rejects what would leave the buffers', () => {
    expect(() => addon.gatherRows(new Float32Array(8), src, 4, new Int32Array([3]), 0, 1)).toThrow(/idx.*\[0, 3\)/);
    expect(() => addon.gatherRows(new Float32Array(8), src, 4, new Int32Array([-1]), 0, 1)).toThrow(/idx/);
    expect(() => addon.gatherRows(new Float32Array(7), src, 4, idx, 0, 2)).toThrow(/dst.*at least/);
    expect(() => addon.gatherRows(new Float32Array(8), src, 4, idx, 2, 2)).toThrow(/start \+ count/);
    expect(() => addon.gatherRows(new Float32Array(8), new Float64Array(12) as never, 4, idx, 0, 2)).toThrow(/Uint8Array/);
    expect(() => addon.gatherRows(new Float32Array(8), src, 4, new Uint32Array(2) as never, 0, 2)).toThrow(/Int32Array/);
  });
});
