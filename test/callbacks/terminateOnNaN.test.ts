/** TerminateOnNaN against the real Keras 3.15.1 (stopping batch, message, raiseError), and through fit. */
import { describe, expect, it } from 'vitest';
import { TerminateOnNaN } from '../../src/callbacks/terminateOnNaN.js';
import { KernoError } from '../../src/errors.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { tensor } from '../../src/tensor.js';
import { capture, dec, golden, tinyModel } from './golden.js';

interface NanCase { name: string; losses: (number | string)[]; raiseError: boolean; stoppedAt: number | null; error: string | null; stdout: string }

describe('TerminateOnNaN (Keras golden replays)', () => {
  for (const c of golden.terminateOnNaN as NanCase[]) {
    it(c.name, () => {
      const model = tinyModel();
      model.stopTraining = false;
      const cb = new TerminateOnNaN({ raiseError: c.raiseError });
      cb.setModel(model);
      let stoppedAt: number | null = null, error: string | null = null;
      const cap = capture();
      try {
        for (const [b, loss] of c.losses.entries()) {
          try {
            cb.onTrainBatchEnd(b, { loss: dec(loss)! });
          } catch (e) {
            expect(e).toBeInstanceOf(KernoError);
            error = (e as Error).message;
            stoppedAt = b;
            break;
          }
          if (model.stopTraining) {
            stoppedAt = b;
            break;
          }
        }
      } finally {
        cap.restore();
      }
      expect(stoppedAt).toBe(c.stoppedAt);
      expect(error).toBe(c.error);
      expect(cap.stdout()).toBe(c.stdout);
    });
  }
});

describe('TerminateOnNaN', () => {
  it('stops fit after the first batch whose loss is not finite, and still ends the epoch', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1], kernelInitializer: 'ones' })]);
    // A learning rate this large makes the loss overflow to Infinity within a few steps.
    model.compile({ optimizer: new SGD({ learningRate: 1e12 }), loss: 'mse' });
    const x = tensor(Float32Array.from({ length: 64 }, (_, i) => i + 1), [64, 1]);
    const y = tensor(Float32Array.from({ length: 64 }, (_, i) => -(i + 1)), [64, 1]);
    const cap = capture();
    let history;
    try {
      history = await model.fit(x, y, { batchSize: 4, epochs: 3, shuffle: false, verbose: 0, callbacks: [new TerminateOnNaN()] });
    } finally {
      cap.restore();
    }
    expect(cap.stdout()).toMatch(/^Batch \d+: Invalid loss, terminating training\n$/);
    expect(history!.epoch).toEqual([0]);
    expect(Number.isFinite(history!.history.loss[0])).toBe(false);
  });

  it('rejects fit with raiseError', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1], kernelInitializer: 'ones' })]);
    model.compile({ optimizer: new SGD({ learningRate: 1e12 }), loss: 'mse' });
    const x = tensor(Float32Array.from({ length: 64 }, (_, i) => i + 1), [64, 1]);
    const y = tensor(Float32Array.from({ length: 64 }, (_, i) => -(i + 1)), [64, 1]);
    await expect(model.fit(x, y, { batchSize: 4, epochs: 3, verbose: 0, callbacks: [new TerminateOnNaN({ raiseError: true })] }))
      .rejects.toThrow(/NaN or Inf loss encountered at batch \d+\. Loss value: (nan|inf)\. Terminating training immediately\./);
  });
});
