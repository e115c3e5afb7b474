/** numpyShuffle against np.random.RandomState(seed).shuffle. */
import { describe, expect, it } from 'vitest';
import { numpyShuffle } from '../../../src/data/image/numpyShuffle.js';
import { golden } from './golden.js';

describe('numpyShuffle reproduces RandomState(seed).shuffle bit for bit', () => {
  for (const c of golden.numpyShuffle) {
    it(`seed ${c.seed}, n ${c.n}`, () => {
      expect(numpyShuffle(Array.from({ length: c.n }, (_, i) => i), c.seed)).toEqual(c.perm);
    });
  }
});
