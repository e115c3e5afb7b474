/**
 * Child process of determinism.test.ts: trains a seeded model with shuffling and dropout on a
 * fixed thread count and prints its final weights (as hex bytes) and History as JSON.
 */
import { setNumThreads } from '../../src/backend.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { setSeed } from '../../src/random.js';
import { blobs } from './helpers.js';

async function main(): Promise<void> {
  setNumThreads(Number(process.argv[2] ?? 2));
  setSeed(1234);
  const { x, y } = blobs(120, 6, 3, 77);
  const model = new Sequential([
    new Dense({ units: 32, activation: 'relu', inputShape: [6] }),
    new Dropout({ rate: 0.3 }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const h = await model.fit(x, y, { epochs: 3, batchSize: 16, validationSplit: 0.2, verbose: 0 });
  const weights = model.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('hex'));
  process.stdout.write(JSON.stringify({ weights, history: h.history }));
}

void main();
