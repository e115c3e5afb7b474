/** LambdaCallback: hook functions (sync or async) run in Keras's order through fit; bad hooks are named. */
import { describe, expect, it } from 'vitest';
import { LambdaCallback } from '../../src/callbacks/lambdaCallback.js';
import type { CallbackHooks } from '../../src/callbacks/callback.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { tensor } from '../../src/tensor.js';

describe('LambdaCallback', () => {
  it('runs the given hooks through fit, awaiting async ones, and legacy onBatchEnd', async () => {
    const model = new Sequential([new Dense({ units: 1, inputShape: [1] })]);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    const x = tensor(new Float32Array([1, 2, 3, 4]), [4, 1]);
    const events: string[] = [];
    const cb = new LambdaCallback({
      onTrainBegin: () => void events.push('trainBegin'),
      onEpochBegin: (e) => void events.push(`epochBegin ${e}`),
      onBatchEnd: (b, logs) => void events.push(`batchEnd ${b} ${typeof logs.loss}`),
      onEpochEnd: async (e, logs) => {
        await new Promise((r) => setTimeout(r, 2));
        events.push(`epochEnd ${e} ${Object.keys(logs).join(',')}`);
      },
      onTrainEnd: () => void events.push('trainEnd'),
    });
    await model.fit(x, x, { batchSize: 2, epochs: 2, validationData: [x, x], verbose: 0, callbacks: [cb] });
    expect(events).toEqual(['trainBegin', 'epochBegin 0', 'batchEnd 0 number', 'batchEnd 1 number', 'epochEnd 0 loss,val_loss',
      'epochBegin 1', 'batchEnd 0 number', 'batchEnd 1 number', 'epochEnd 1 loss,val_loss', 'trainEnd']);
    expect(cb.model).toBe(model);
  });

  it('names a misspelt hook or a hook that is not a function', () => {
    expect(() => new LambdaCallback({ onEpochEnds: () => {} } as CallbackHooks)).toThrow(/LambdaCallback: option "onEpochEnds" expected a hook name/);
    expect(() => new LambdaCallback({ onEpochEnd: 3 } as unknown as CallbackHooks)).toThrow(/LambdaCallback: option "onEpochEnd" expected a function, received 3/);
    expect(() => new LambdaCallback([] as unknown as CallbackHooks)).toThrow(/LambdaCallback: argument "hooks" expected an object/);
  });
});
