/**
 * Batches are the same whether the decode workers or the main thread load them: same pixels,
 * same augmentation, same labels, same skipped files.
 */
import path from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodePool, resetDecodePool } from '../../../src/data/image/decodePool.js';
import { ImageDataGenerator } from '../../../src/data/image/imageDataGenerator.js';
import { imageDatasetFromDirectory } from '../../../src/data/image/imageDatasetFromDirectory.js';
import { tempDir, writeImage } from './tree.js';

let dir: string;
beforeAll(async () => {
  dir = tempDir('pool');
  for (let c = 0; c < 2; c++) {
    for (let i = 0; i < 7; i++) {
      const ext = i % 3 === 0 ? 'jpg' : 'png';
      await writeImage(path.join(dir, `k${c}`, `${i}.${ext}`), 20 + i, 17, 3, (y, x, k) => (y * 11 + x * 5 + k * 40 + i * 9 + c * 70) % 256);
    }
  }
  writeFileSync(path.join(dir, 'k1', 'broken.png'), 'not a png');
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterAll(async () => {
  await resetDecodePool(0);
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

async function epochs(workers: number): Promise<number[][]> {
  await resetDecodePool(workers);
  const gen = new ImageDataGenerator({ rescale: 1 / 255, rotationRange: 25, zoomRange: 0.2, horizontalFlip: true, brightnessRange: [0.6, 1.3], fillMode: 'reflect' });
  const iter = await gen.flowFromDirectory(dir, { targetSize: [12, 10], batchSize: 4, seed: 5, interpolation: 'bilinear', classMode: 'sparse' });
  const ds = await imageDatasetFromDirectory(dir, { imageSize: [9, 8], batchSize: 5, seed: 2, interpolation: 'bicubic' });
  const out: number[][] = [];
  for (let e = 0; e < 2; e++) {
    for await (const b of iter) out.push([...b.x.data, ...b.y!.data]);
    for await (const b of ds) out.push([...b.x.data, ...b.y!.data]);
  }
  return out;
}

describe('decode workers', () => {
  it('give exactly the batches the main thread gives', async () => {
    const main = await epochs(0);
    expect(decodePool().completed).toBe(0);
    const workers = await epochs(2);
    expect(decodePool().completed).toBe(workers.length); // every batch came from a worker
    expect(workers.length).toBe(main.length);
    expect(workers).toEqual(main);
    expect(main.flat().length).toBeGreaterThan(1000);
  });
});
