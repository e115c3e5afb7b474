/**
 * The iterator protocol shared by flow, flowFromDirectory and imageDatasetFromDirectory:
 * prefetching (the next batches load while one is in use, never more than two ahead), one epoch
 * per for-await pass with a new order each pass, early exit, and failures surfacing where the
 * batch is consumed.
 */
import { describe, expect, it } from 'vitest';
import { type ImageBatch, ImageIterator } from '../../../src/data/image/imageIterator.js';
import { Tensor } from '../../../src/tensor.js';

/** Batches whose x holds the sample indices; records when each load starts and lets the test finish it. */
class Fake extends ImageIterator {
  started: string[] = [];
  release = new Map<string, () => void>();
  failAt = -1;
  constructor(n: number, batchSize: number, shuffle = false, readonly manual = false) {
    super(n, batchSize, shuffle, 9, 'fake');
  }
  protected async loadBatch(idx: Int32Array, epoch: number, start: number): Promise<ImageBatch | null> {
    const key = `${epoch}:${start / this.batchSize}`;
    this.started.push(key);
    if (this.manual) await new Promise<void>((r) => this.release.set(key, r));
    if (start / this.batchSize === this.failAt) throw new Error(`batch ${key} failed`);
    return { x: new Tensor(Float32Array.from(idx), [idx.length, 1, 1, 1]), y: null };
  }
  protected emptyBatch(): ImageBatch {
    return { x: new Tensor(new Float32Array(0), [0, 1, 1, 1]), y: null };
  }
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('ImageIterator', () => {
  it('loads two batches ahead of the one in use, and no more', async () => {
    const iter = new Fake(10, 2, false, true); // 5 batches
    const gen = iter[Symbol.asyncIterator]();
    const first = gen.next();
    await tick();
    expect(iter.started).toEqual(['0:0', '0:1']); // batch 0 requested, batch 1 already loading
    iter.release.get('0:0')!();
    const b0 = await first;
    expect(Array.from(b0.value!.x.data)).toEqual([0, 1]);
    expect(iter.started).toEqual(['0:0', '0:1', '0:2']); // while batch 0 is in use, 1 and 2 load
    await tick();
    expect(iter.started).toHaveLength(3);
    iter.release.get('0:1')!();
    await gen.next();
    expect(iter.started).toEqual(['0:0', '0:1', '0:2', '0:3']);
    await gen.return(undefined);
    expect(iter.epoch).toBe(1); // stopping early still ends the epoch
  });

  it('one epoch per pass, a new order each pass, reproducible from the seed', async () => {
    const pass = async (iter: Fake) => {
      const out: number[] = [];
      for await (const b of iter) out.push(...b.x.data);
      return out;
    };
    const a = new Fake(9, 4, true), b = new Fake(9, 4, true);
    const [a1, a2] = [await pass(a), await pass(a)];
    expect(a1).toHaveLength(9);
    expect([...a1].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(a1).not.toEqual(a2);
    expect(await pass(b)).toEqual(a1);
    expect(a.epoch).toBe(2);
    expect(await pass(new Fake(5, 2))).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failing batch rejects where it is consumed, not before', async () => {
    const iter = new Fake(6, 2);
    iter.failAt = 2;
    const seen: number[] = [];
    await expect(async () => {
      for await (const b of iter) seen.push(b.x.shape[0]);
    }).rejects.toThrow('batch 0:2 failed');
    expect(seen).toEqual([2, 2]);
  });
});
