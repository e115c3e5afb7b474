// model.fit and model.predict through Node on the CUDA device against the CPU, in one process:
// the tutorial's MLP and the reference CNN on the Fashion-MNIST subset shipped in data/ (10,000
// training images), Adam, sparse categorical crossentropy, at batch 32, 256 and 1024. Each figure
// is the median of timed epochs after a warm-up epoch. Without a CUDA device it measures the CPU
// alone and says so. Runs on a GPU machine with Node (see scripts/gpu/README.md for one without).
//
//   npx tsx bench/cudaFit.ts [--epochs N] [--data FOLDER] [--models mlp,cnn] [--batches 32,256,1024]
//                            [--devices cpu,cuda]
// Module paths rather than the package index: the bundle for GPU machines must not pull in the
// image decoders (sharp's native binary is not there).
import { backendInfo, getNumThreads } from '../src/backend.js';
import { fashionMnist } from '../src/data/datasets/fashionMnist.js';
import type { Sequential } from '../src/engine/sequential.js';
import { Adam } from '../src/optimizers/adam.js';
import type { Tensor } from '../src/tensor.js';
import { referenceModel } from './lib/models.js';

const argv = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const EPOCHS = Number(opt('--epochs') ?? 3);
const list = (name: string, all: string): string[] => (opt(name) ?? all).split(',');
const MODELS = list('--models', 'mlp,cnn') as ('mlp' | 'cnn')[];
const BATCHES = list('--batches', '32,256,1024').map(Number);
const data = fashionMnist(opt('--data') ? { path: opt('--data') } : {});

function build(kind: 'mlp' | 'cnn', device: 'cpu' | 'cuda'): Sequential {
  const model = referenceModel(kind);
  model.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'], device });
  return model;
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

async function measure(kind: 'mlp' | 'cnn', device: 'cpu' | 'cuda', batch: number) {
  const n = data.train.x.shape[0];
  const x: Tensor = kind === 'cnn' ? data.train.x.reshape([n, 28, 28, 1]) : data.train.x;
  const xt: Tensor = kind === 'cnn' ? data.test.x.reshape([data.test.x.shape[0], 28, 28, 1]) : data.test.x;
  const model = build(kind, device);
  await model.fit(x, data.train.y, { batchSize: batch, epochs: 1, verbose: 0 });
  const fit: number[] = [];
  let acc = 0;
  for (let e = 0; e < EPOCHS; e++) {
    const t0 = performance.now();
    const h = await model.fit(x, data.train.y, { batchSize: batch, epochs: 1, verbose: 0 });
    fit.push(n / ((performance.now() - t0) / 1000));
    acc = h.history.accuracy[0];
  }
  const pred: number[] = [];
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    await model.predict(xt, { batchSize: Math.max(batch, 256), verbose: 0 });
    pred.push(xt.shape[0] / ((performance.now() - t0) / 1000));
  }
  return { fit: median(fit), predict: median(pred), acc };
}

const info = backendInfo();
const devices = list('--devices', 'cpu,cuda').filter((d) => d === 'cpu' || info.devices.length > 0) as ('cpu' | 'cuda')[];
console.log(`fit/predict through Node ${process.version}; CUDA devices: ${info.devices.map((d) => `${d.name} (${d.computeCapability})`).join(', ') || 'none (CPU only)'}; CPU backend ${info.defaultBackend} on ${getNumThreads()} threads; median of ${EPOCHS} epochs over ${data.train.x.shape[0]} images`);
console.log('| model | batch | device | fit samples/s | predict images/s | train accuracy |');
console.log('| --- | ---: | --- | ---: | ---: | ---: |');
for (const kind of MODELS) {
  for (const batch of BATCHES) {
    for (const device of devices) {
      const r = await measure(kind, device, batch);
      console.log(`| ${kind} | ${batch} | ${device} | ${r.fit.toFixed(0)} | ${r.predict.toFixed(0)} | ${r.acc.toFixed(4)} |`);
    }
  }
}
