// A/B of the fused MaxPooling2D + ReLU backward (Layer.backwardFusable) through `model.fit`: two
// reference CNNs from the same seed, one with the fusion switched off on every layer, trained by
// turns on the first 2,000 images at batch 32, in one process so that both see the same machine
// load. Prints samples/s per pass and the medians. bench/RESULTS.md quotes it.
//
//   npx tsx bench/ab/poolFusion.ts [rounds (default 6)]
import { setNumThreads } from '../../src/backend.js';
import { datasets } from '../../src/data/index.js';
import { Adam } from '../../src/optimizers/adam.js';
import { median } from '../lib/common.js';
import { referenceModel } from '../lib/models.js';

setNumThreads(2);
const { train } = datasets.fashionMnist();
const n = 2000;
const x = train.x.slice(0, n).reshape([n, 28, 28, 1]), y = train.y.slice(0, n);

const make = (fused: boolean) => {
  const m = referenceModel('cnn');
  if (!fused) for (const l of m.layers) l.backwardFusable = () => false;
  m.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
const models = { unfused: make(false), fused: make(true) } as const;
const rates: Record<keyof typeof models, number[]> = { unfused: [], fused: [] };
const rounds = Number(process.argv[2] ?? 6);
for (let r = 0; r < rounds; r++) {
  // alternate which goes first, so neither always runs right after the other
  for (const k of r % 2 ? (['fused', 'unfused'] as const) : (['unfused', 'fused'] as const)) {
    const t = performance.now();
    await models[k].fit(x, y, { batchSize: 32, epochs: 1, verbose: 0, shuffle: false });
    rates[k].push(n / ((performance.now() - t) / 1000));
  }
}
for (const k of ['unfused', 'fused'] as const)
  console.log(`${k.padEnd(8)} samples/s median ${median(rates[k]).toFixed(0)}  passes ${rates[k].map((v) => v.toFixed(0)).join(' ')}`);
