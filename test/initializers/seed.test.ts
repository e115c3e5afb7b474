// src/random.ts: the global seed and the derivation of per-weight / per-step keys. The pinned
// values come from an independent Python implementation of the documented rule (SplitMix64's
// finaliser over FNV-1a-hashed parts), because the rule is part of the reproducibility contract.
import { describe, expect, it, vi } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { deriveSeed, getSeed, layerKey, layerStream, nextSeed, setSeed, stepSeed, weightSeed } from '../../src/random.js';

describe('deriveSeed', () => {
  it('matches the documented rule', () => {
    expect(deriveSeed(0)).toBe(16294208416658607535n);
    expect(deriveSeed(42, 'weight', 3, 'kernel')).toBe(7954096961185538424n);
    expect(weightSeed(42n, 3, 'kernel')).toBe(7954096961185538424n);
    expect(stepSeed(layerStream(7n, 2), 1_000_000)).toBe(7820286818552568477n);
    expect(layerStream(7n, 2)).toBe(18030160295669448847n);
  });

  it('keeps parts apart (strings from numbers, order, layers, weights)', () => {
    const keys = [
      deriveSeed(1, '7'), deriveSeed(1, 7), deriveSeed(1, 'a', 'b'), deriveSeed(1, 'b', 'a'),
      weightSeed(1n, 0, 'kernel'), weightSeed(1n, 0, 'bias'), weightSeed(1n, 1, 'kernel'), layerKey(1),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    for (const k of keys) expect(k >= 0n && k < 1n << 64n).toBe(true);
  });

  it('rejects parts it cannot hash', () => {
    expect(() => deriveSeed(1, -1)).toThrow(ValueError);
    expect(() => deriveSeed(1, 0.5)).toThrow(/deriveSeed: part 1/);
    expect(() => deriveSeed(1n << 64n)).toThrow(ValueError);
  });
});

describe('setSeed / getSeed / nextSeed', () => {
  it('restarts the global stream, as keras.utils.set_random_seed', () => {
    setSeed(42);
    expect(getSeed()).toBe(42);
    const first = [nextSeed(), nextSeed()];
    expect(first).toEqual([8696017684977236638n, 13553283360088745172n]);
    setSeed(42);
    expect([nextSeed(), nextSeed()]).toEqual(first);
    setSeed(43);
    expect(nextSeed()).not.toBe(first[0]);
  });

  it('rejects seeds that are not non-negative safe integers', () => {
    for (const bad of [-1, 1.5, NaN, 2 ** 53, '1']) expect(() => setSeed(bad as number)).toThrow(/setSeed: argument "seed"/);
  });

  it('draws a random 53-bit seed once per process when none is set', async () => {
    const seeds: number[] = [];
    for (let i = 0; i < 2; i++) {
      vi.resetModules();
      const fresh = await import('../../src/random.js');
      const s = fresh.getSeed();
      expect(Number.isSafeInteger(s) && s >= 0).toBe(true);
      expect(fresh.getSeed()).toBe(s);
      seeds.push(s);
    }
    expect(seeds[0]).not.toBe(seeds[1]);
  });
});
