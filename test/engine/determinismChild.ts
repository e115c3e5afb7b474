/**
 * Child process of determinism.test.ts: trains a seeded model with shuffling and dropout on a
 * fixed thread count and prints its final weights (as hex bytes) and History as JSON.
 * `node determinismChild.ts THREADS [mlp|cnn]`: the CNN takes the convolution paths that split
 * work over threads (Winograd's 3×3 forward and backward, its partial sums for the kernel
 * gradient) and the fused pooling backward.
 */
import { setNumThreads } from '../../src/backend.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Conv2D } from '../../src/layers/conv2d.js';
import { Dense } from '../../src/layers/dense.js';
import { Dropout } from '../../src/layers/dropout.js';
import { Flatten } from '../../src/layers/flatten.js';
import { MaxPooling2D } from '../../src/layers/maxPooling2d.js';
import { setSeed } from '../../src/random.js';
import { tensor } from '../../src/tensor.js';
import { blobs, rng } from './helpers.js';

function data(kind: string) {
  if (kind !== 'cnn') return blobs(120, 6, 3, 77);
  const r = rng(77), n = 48;
  const x = Float32Array.from({ length: n * 10 * 10 * 2 }, () => r() * 2 - 1);
  const y = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) y[i * 3 + (i % 3)] = 1;
  return { x: tensor(x, [n, 10, 10, 2]), y: tensor(y, [n, 3]) };
}

function model(kind: string): Sequential {
  if (kind !== 'cnn')
    return new Sequential([
      new Dense({ units: 32, activation: 'relu', inputShape: [6] }),
      new Dropout({ rate: 0.3 }),
      new Dense({ units: 3, activation: 'softmax' }),
    ]);
  return new Sequential([
    new Conv2D({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [10, 10, 2] }),
    new Conv2D({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
    new MaxPooling2D(),
    new Flatten(),
    new Dropout({ rate: 0.3 }),
    new Dense({ units: 3, activation: 'softmax' }),
  ]);
}

async function main(): Promise<void> {
  setNumThreads(Number(process.argv[2] ?? 2));
  const kind = process.argv[3] ?? 'mlp';
  setSeed(1234);
  const { x, y } = data(kind);
  const m = model(kind);
  m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const h = await m.fit(x, y, { epochs: 3, batchSize: 16, validationSplit: 0.2, verbose: 0 });
  const weights = m.getWeights().map((w) => Buffer.from(w.data.buffer, w.data.byteOffset, w.data.byteLength).toString('hex'));
  process.stdout.write(JSON.stringify({ weights, history: h.history }));
}

void main();
