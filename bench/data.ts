// Image-pipeline benchmark: images/s through flowFromDirectory (28×28 PNGs and 224×224 JPEGs, with
// and without augmentation, with the worst event-loop lag seen meanwhile), and the fraction of a
// CNN epoch's wall time spent waiting for data on 28×28 PNGs of the shipped Fashion-MNIST subset.
//
//   npm run bench:data
import path from 'node:path';
import { rmSync } from 'node:fs';
import { ImageDataGenerator } from '../src/data/image/imageDataGenerator.js';
import { datasets } from '../src/data/index.js';
import { toCategorical } from '../src/data/toCategorical.js';
import { Sequential } from '../src/engine/sequential.js';
import { Conv2D } from '../src/layers/conv2d.js';
import { Dense } from '../src/layers/dense.js';
import { Flatten } from '../src/layers/flatten.js';
import { MaxPooling2D } from '../src/layers/maxPooling2d.js';
import { Tensor } from '../src/tensor.js';
import { tempDir, writeImage } from '../test/data/image/tree.js';

async function make(n: number, size: number, ext: string, c: 1 | 3) {
  const dir = tempDir('bench');
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    jobs.push(writeImage(path.join(dir, `c${i % 10}`, `${i}.${ext}`), size, size, c, (y, x, k) => (x * 7 + y * 3 + k * 50 + i) & 255));
    if (jobs.length >= 32) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  return dir;
}

async function run(label: string, dir: string, size: number, colorMode: 'grayscale' | 'rgb', augment: boolean) {
  const gen = new ImageDataGenerator(augment ? { rescale: 1 / 255, rotationRange: 20, widthShiftRange: 0.1, heightShiftRange: 0.1, zoomRange: 0.1, horizontalFlip: true } : { rescale: 1 / 255 });
  const log = console.log; console.log = () => undefined;
  const it = await gen.flowFromDirectory(dir, { targetSize: [size, size], colorMode, batchSize: 32, seed: 1 });
  console.log = log;
  let maxLag = 0, last = performance.now();
  const timer = setInterval(() => { const t = performance.now(); maxLag = Math.max(maxLag, t - last - 5); last = t; }, 5);
  const t0 = performance.now();
  let n = 0;
  for await (const b of it) n += b.x.shape[0];
  const dt = (performance.now() - t0) / 1000;
  clearInterval(timer);
  console.log(`${label}${augment ? ' +augment' : ''}: ${n} images in ${dt.toFixed(2)} s = ${(n / dt).toFixed(0)} images/s, max event-loop lag ${maxLag.toFixed(1)} ms`);
}

async function throughput(): Promise<void> {
  const small = await make(4000, 28, 'png', 1);
  await run('28x28 PNG gray', small, 28, 'grayscale', false);
  await run('28x28 PNG gray', small, 28, 'grayscale', true);
  const big = await make(256, 224, 'jpg', 3);
  await run('224x224 JPEG rgb', big, 224, 'rgb', false);
  await run('224x224 JPEG rgb', big, 224, 'rgb', true);
  rmSync(small, { recursive: true });
  rmSync(big, { recursive: true });
}

async function waiting(): Promise<void> {
  const N = 6000;
  const { train } = datasets.fashionMnist();
  const dir = tempDir('wait');
  const jobs: Promise<void>[] = [];
  for (let i = 0; i < N; i++) {
    const px = train.x.data.subarray(i * 784, (i + 1) * 784);
    jobs.push(writeImage(path.join(dir, `c${train.y.data[i]}`, `${String(i).padStart(5, '0')}.png`), 28, 28, 1, (y, x) => px[y * 28 + x]));
    if (jobs.length >= 64) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
  const model = new Sequential([
    new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    new MaxPooling2D({ poolSize: 2 }),
    new Flatten(),
    new Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const log = console.log; console.log = () => undefined;
  for (const augment of [false, true]) {
    const gen = new ImageDataGenerator(augment ? { rescale: 1 / 255, rotationRange: 10, widthShiftRange: 0.1, zoomRange: 0.1 } : { rescale: 1 / 255 });
    const it = await gen.flowFromDirectory(dir, { targetSize: [28, 28], colorMode: 'grayscale', batchSize: 32, seed: 1 });
    for (let rep = 0; rep < 3; rep++) {
    let waiting = 0, lastEnd = 0, total = 0;
    const t0 = performance.now();
    await model.fit(it, { epochs: 1, verbose: 0, callbacks: [{
      onTrainBatchBegin: () => { if (lastEnd) waiting += performance.now() - lastEnd; },
      onTrainBatchEnd: () => { lastEnd = performance.now(); },
      onEpochBegin: () => { lastEnd = performance.now(); },
    }] });
    total = performance.now() - t0;
    log(`CNN epoch over ${N} 28x28 PNGs${augment ? ' +augment' : ''}: ${(total / 1000).toFixed(2)} s, waiting for data ${(waiting / 1000).toFixed(2)} s = ${(100 * waiting / total).toFixed(1)}%`);
    }
  }
  const x = new Float32Array(N * 784); for (let i = 0; i < N * 784; i++) x[i] = train.x.data[i] / 255;


  for (let rep = 0; rep < 2; rep++) {
  const t1 = performance.now();
  await model.fit(new Tensor(x, [N, 28, 28, 1]), toCategorical(train.y.slice(0, N), 10), { epochs: 1, verbose: 0, batchSize: 32 });
  log(`same epoch from arrays: ${((performance.now() - t1) / 1000).toFixed(2)} s`);
  }
  rmSync(dir, { recursive: true });
}

await throughput();
await waiting();
