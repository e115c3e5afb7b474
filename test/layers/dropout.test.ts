import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { Dropout } from '../../src/layers/index.js';
import { Runner, checkGradients, expectClose, expectThrows, makeContext, rand } from './harness.js';

describe('Dropout', () => {
  it('is the identity at inference and draws no random numbers', () => {
    const d = new Dropout({ rate: 0.5 });
    const run = new Runner(d, [4, 5], 3);
    const x = rand(run.inp.length, 1);
    const ctx = makeContext(3, false);
    run.inp.set(x);
    d.forward(ctx, run.io);
    expect(run.out).toEqual(x);
    expect(ctx.streamCalls).toBe(0);
    expect(d.workspaceSize(3)).toBe(60);
  });

  it('in training zeroes about `rate` of the elements and scales the rest by 1/(1 − rate)', () => {
    const rate = 0.3, d = new Dropout({ rate });
    const run = new Runner(d, [1000], 4);
    const x = rand(run.inp.length, 2, 0.5, 1.5);
    const ctx = makeContext(4, true);
    run.inp.set(x);
    d.forward(ctx, run.io);
    expect(ctx.streamCalls).toBe(1);
    let dropped = 0;
    for (let i = 0; i < x.length; i++) {
      if (run.out[i] === 0) dropped++;
      else expect(run.out[i]).toBeCloseTo(x[i] / (1 - rate), 5);
    }
    // 4000 Bernoulli(0.3) draws: 1200 ± 29 (1σ); allow 5σ.
    expect(Math.abs(dropped - 1200)).toBeLessThan(150);
    // Backward routes the gradient through the same mask.
    const g = rand(x.length, 3);
    const dinp = run.backward(g)!;
    for (let i = 0; i < x.length; i++) expect(dinp[i]).toBeCloseTo(run.out[i] === 0 ? 0 : g[i] / (1 - rate), 5);
  });

  it('is reproducible for a given random stream and differs between streams', () => {
    const d = new Dropout({ rate: 0.5 });
    const run = new Runner(d, [64], 2);
    const x = rand(128, 4, 1, 2);
    run.inp.set(x);
    d.forward(makeContext(2, true, 5n), run.io);
    const a = Float32Array.from(run.out);
    d.forward(makeContext(2, true, 5n), run.io);
    expect(run.out).toEqual(a);
    d.forward(makeContext(2, true, 6n), run.io);
    expect(run.out).not.toEqual(a);
  });

  it('gradients match finite differences in training (fixed mask) and at rate 0', () => {
    checkGradients(new Dropout({ rate: 0.4 }), [3, 4], { batch: 2 });
    checkGradients(new Dropout({ rate: 0 }), [5], { batch: 2 });
    const identity = new Runner(new Dropout({ rate: 0 }), [5], 2);
    expect(identity.layer.workspaceSize(2)).toBe(0);
    const x = rand(10, 9);
    expect(identity.forward(x, true)).toEqual(x);
    expectClose(identity.backward(x)!, x, 0, 0, 'rate 0 backward');
  });

  it('rejects a rate outside [0, 1)', () => {
    expectThrows(() => new Dropout({ rate: 1 }), ValueError, 'option "rate" expected a number in [0, 1), received 1.');
    expectThrows(() => new Dropout({ rate: -0.1 }), ValueError, 'option "rate"');
    expectThrows(() => new Dropout({} as never), ValueError, 'option "rate"');
    expect(new Dropout({ rate: 0.2, seed: 42 }).getConfig()).toMatchObject({ rate: 0.2, seed: 42 });
  });
});
