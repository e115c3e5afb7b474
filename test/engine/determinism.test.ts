/**
 * Determinism: with a seed (and a fixed thread count), two fresh processes produce bitwise-identical
 * weights and logs — initialisation, shuffling and dropout masks all derive from the seed.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bitwiseEqual, blobs, mlp, snapshot } from './helpers.js';

const child = fileURLToPath(new URL('./determinismChild.ts', import.meta.url));

function run(threads: number, kind: 'mlp' | 'cnn' = 'mlp'): { weights: string[]; history: Record<string, number[]> } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', child, String(threads), kind], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { weights: string[]; history: Record<string, number[]> };
}

describe('determinism', () => {
  it('two fresh processes with the same seed give bitwise-identical weights and logs', () => {
    const a = run(2), b = run(2);
    expect(a.weights).toEqual(b.weights);
    expect(a.history).toEqual(b.history);
    expect(a.history.loss).toHaveLength(3);
  });

  it('so does a CNN whose 16-channel 3×3 convolutions run Winograd on the thread pool', () => {
    const a = run(2, 'cnn'), b = run(2, 'cnn');
    expect(a.weights).toEqual(b.weights);
    expect(a.history).toEqual(b.history);
    expect(a.history.loss).toHaveLength(3);
    expect(a.weights.length).toBe(6);
  });

  it('the same seed in one process repeats a run; another seed does not', async () => {
    const { x, y } = blobs(40, 3, 2);
    const train = async (seed: number) => {
      const m = mlp(3, 8, 2, seed);
      m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
      const h = await m.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
      return { w: snapshot(m), loss: h.history.loss };
    };
    const a = await train(5), b = await train(5), c = await train(6);
    expect(bitwiseEqual(a.w, b.w)).toBe(true);
    expect(a.loss).toEqual(b.loss);
    expect(bitwiseEqual(a.w, c.w)).toBe(false);
  });
});
