// Optimizer options, Keras defaults, name resolution, slots and the step's contract with the engine.
import { describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import {
  Adagrad, Adam, AdamW, ExponentialDecay, RMSprop, SGD, getOptimizer, optimizerNames,
} from '../../src/optimizers/index.js';
import { addon, ctxFor } from './helpers.js';

const ctx = ctxFor(addon.backendInfo().defaultBackend);

describe('Keras 3 defaults', () => {
  it.each([
    ['sgd', 'SGD', { learningRate: 0.01, weightDecay: null, momentum: 0, nesterov: false }],
    ['adam', 'Adam', { learningRate: 0.001, weightDecay: null, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false }],
    ['adamw', 'AdamW', { learningRate: 0.001, weightDecay: 0.004, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, amsgrad: false }],
    ['rmsprop', 'RMSprop', { learningRate: 0.001, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false }],
    ['adagrad', 'Adagrad', { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 }],
    ['nadam', 'Nadam', { learningRate: 0.001, weightDecay: null, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
    ['adamax', 'Adamax', { learningRate: 0.001, weightDecay: null, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }],
  ] as const)('getOptimizer(%j) is %s with Keras defaults', (name, className, config) => {
    const o = getOptimizer(name);
    expect(o.className).toBe(className);
    expect(o.getConfig()).toMatchObject({ ...config, clipnorm: null, clipvalue: null, globalClipnorm: null });
    expect(o.iterations).toBe(0);
  });

  it('returns an instance as it is and a new optimizer per name', () => {
    const o = new SGD({ momentum: 0.5 });
    expect(getOptimizer(o)).toBe(o);
    expect(getOptimizer('adam')).not.toBe(getOptimizer('adam'));
  });

  it('rejects an unknown name listing the valid ones', () => {
    expect(() => getOptimizer('ftrl' as never)).toThrow(ValueError);
    expect(() => getOptimizer('Adam' as never)).toThrow(/'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'nadam', 'adamax'/);
    expect(() => getOptimizer('toString' as never)).toThrow(/compile: option "optimizer" expected/);
    expect(optimizerNames).toEqual(['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'nadam', 'adamax']);
  });
});

describe('option validation', () => {
  it.each([0, -0.1, NaN, Infinity, '0.1'])('rejects learningRate %j', (lr) => {
    expect(() => new Adam({ learningRate: lr as number })).toThrow(/Adam: option "learningRate" expected a finite number > 0/);
  });

  it('rejects momentum outside [0, 1] (Keras SGD)', () => {
    expect(() => new SGD({ momentum: 1.5 })).toThrow(/SGD: option "momentum" expected a number in \[0, 1\]/);
    expect(() => new RMSprop({ momentum: -0.1 })).toThrow(ValueError);
  });

  it('rejects more than one of clipnorm, clipvalue and globalClipnorm', () => {
    expect(() => new SGD({ clipnorm: 1, clipvalue: 0.5 })).toThrow(/at most one of them/);
    expect(() => new Adam({ clipnorm: 1, globalClipnorm: 1 })).toThrow(ValueError);
    expect(() => new Adam({ clipnorm: 0 })).toThrow(/clipnorm/);
  });

  it('rejects betas outside [0, 1), negative epsilon, weight decay and accumulators', () => {
    expect(() => new Adam({ beta1: 1 })).toThrow(/beta1" expected a number in \[0, 1\)/);
    expect(() => new AdamW({ beta2: -0.5 })).toThrow(/AdamW: option "beta2"/);
    expect(() => new Adam({ epsilon: -1 })).toThrow(/epsilon/);
    expect(() => new AdamW({ weightDecay: -0.1 })).toThrow(/weightDecay/);
    expect(() => new Adagrad({ initialAccumulatorValue: -1 })).toThrow(/initialAccumulatorValue/);
    expect(() => new SGD({ nesterov: 1 as never })).toThrow(/nesterov" expected a boolean/);
  });

  it('validates learning rates assigned later (ReduceLROnPlateau assigns numbers)', () => {
    const o = new Adam();
    o.learningRate = 0.0005;
    expect(o.currentLearningRate()).toBe(0.0005);
    expect(() => { o.learningRate = NaN; }).toThrow(ValueError);
    expect(o.learningRate).toBe(0.0005);
  });
});

describe('build and apply', () => {
  it('allocates Keras-named slots for the configuration', () => {
    const names = (o: { build(s: [], n: number): void; slots(): { name: string; values: Float32Array }[] }) => {
      o.build([], 4);
      return o.slots().map((s) => s.name);
    };
    expect(names(new SGD())).toEqual([]);
    expect(names(new SGD({ momentum: 0.9 }))).toEqual(['momentum']);
    expect(names(new RMSprop({ momentum: 0.9, centered: true }))).toEqual(['velocity', 'momentum', 'average_gradient']);
    expect(names(new Adam({ amsgrad: true }))).toEqual(['momentum', 'velocity', 'velocity_hat']);
    const a = new Adagrad({ initialAccumulatorValue: 0.25 });
    a.build([], 3);
    expect([...a.slots()[0].values]).toEqual([0.25, 0.25, 0.25]);
  });

  it('updates the arena in place, counts iterations and keeps its slot buffers', () => {
    const o = new Adam({ learningRate: 0.1 });
    o.build([{ name: 'd/kernel', offset: 0, size: 3 }], 3);
    const slotBuffers = o.slots().map((s) => s.values);
    const p = new Float32Array([1, 2, 3]), g = new Float32Array([1, -1, 0]);
    o.apply(ctx, p, g);
    o.apply(ctx, p, g);
    expect(o.iterations).toBe(2);
    // Adam's first steps move by about lr in the direction of −sign(g).
    expect(p[0]).toBeCloseTo(0.8, 3);
    expect(p[1]).toBeCloseTo(2.2, 3);
    expect(p[2]).toBe(3);
    expect(o.slots().map((s) => s.values)).toEqual(slotBuffers);
    expect(o.slots()[0].values).toBe(slotBuffers[0]);
  });

  it('evaluates a schedule at iterations before the step', () => {
    const lr = new ExponentialDecay({ initialLearningRate: 1, decaySteps: 1, decayRate: 0.5 });
    const o = new SGD({ learningRate: lr });
    o.build([], 1);
    const p = new Float32Array([0]), g = new Float32Array([1]);
    for (let i = 0; i < 3; i++) o.apply(ctx, p, g);
    expect(p[0]).toBe(-(1 + 0.5 + 0.25));
    expect(o.currentLearningRate()).toBe(0.125);
  });

  it('clips each segment with clipnorm and the whole arena with globalClipnorm', () => {
    const segs = [{ name: 'a', offset: 0, size: 2 }, { name: 'b', offset: 2, size: 2 }];
    const per = new SGD({ learningRate: 1, clipnorm: 1 });
    per.build(segs, 4);
    const p1 = new Float32Array(4);
    per.apply(ctx, p1, new Float32Array([3, 4, 0.3, 0.4]));
    expect([...p1].map((x) => +x.toFixed(6))).toEqual([-0.6, -0.8, -0.3, -0.4]);
    const glob = new SGD({ learningRate: 1, globalClipnorm: 1 });
    glob.build(segs, 4);
    const p2 = new Float32Array(4);
    glob.apply(ctx, p2, new Float32Array([3, 4, 0, 0]));
    expect([...p2].map((x) => +x.toFixed(6))).toEqual([-0.6, -0.8, 0, 0]);
    const val = new SGD({ learningRate: 1, clipvalue: 0.5 });
    val.build(segs, 4);
    const p3 = new Float32Array(4);
    val.apply(ctx, p3, new Float32Array([3, -4, 0.25, 0]));
    expect([...p3].map((x) => x + 0)).toEqual([-0.5, 0.5, -0.25, 0]);
  });

  it('turns every gradient into NaN when the global norm is not finite, as Keras', () => {
    const o = new SGD({ learningRate: 1, globalClipnorm: 1 });
    o.build([], 2);
    const p = new Float32Array(2);
    o.apply(ctx, p, new Float32Array([Infinity, 1]));
    expect(Number.isNaN(p[0]) && Number.isNaN(p[1])).toBe(true);
  });

  it('rejects apply before build and arenas of the wrong size', () => {
    const o = new SGD();
    expect(() => o.apply(ctx, new Float32Array(2), new Float32Array(2))).toThrow(/call build/);
    o.build([], 2);
    expect(() => o.apply(ctx, new Float32Array(3), new Float32Array(3))).toThrow(ShapeError);
    expect(() => o.build([{ name: 'x', offset: 1, size: 2 }], 2)).toThrow(/segment "x"/);
  });
});
