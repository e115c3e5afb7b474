// A/B of the Dense weight gradients generated inside the optimizer update (Layer.outerGradients,
// kerno_outer_grad) through `model.fit`: two tutorial MLPs (784-256-128-10, Adam) from the same
// seed, one compiled with `clipvalue: 1e30`, which changes no value but needs the gradients written
// out and so turns the generation off; trained by turns in one process so that both see the same
// machine load. Prints µs per step per pass and the medians. bench/RESULTS.md quotes it.
//
//   npx tsx bench/ab/outerGradients.ts [batch size (default 1)] [rounds (default 9)]
import { setNumThreads } from '../../src/backend.js';
import { datasets } from '../../src/data/index.js';
import { Adam } from '../../src/optimizers/adam.js';
import { median } from '../lib/common.js';
import { referenceModel } from '../lib/models.js';

setNumThreads(2);
const batchSize = Number(process.argv[2] ?? 1), rounds = Number(process.argv[3] ?? 9);
const { train } = datasets.fashionMnist();
const n = Math.min(train.x.shape[0], batchSize * 4000);
const x = train.x.slice(0, n), y = train.y.slice(0, n), steps = Math.ceil(n / batchSize);

const make = (generated: boolean) => {
  const m = referenceModel('mlp');
  m.compile({ optimizer: generated ? new Adam() : new Adam({ clipvalue: 1e30 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
};
const models = { written: make(false), generated: make(true) } as const;
const times: Record<keyof typeof models, number[]> = { written: [], generated: [] };
for (let r = 0; r < rounds; r++) {
  for (const k of r % 2 ? (['generated', 'written'] as const) : (['written', 'generated'] as const)) {
    const t = performance.now();
    await models[k].fit(x, y, { batchSize, epochs: 1, verbose: 0, shuffle: false });
    times[k].push(((performance.now() - t) * 1000) / steps);
  }
}
for (const k of ['written', 'generated'] as const)
  console.log(`${k.padEnd(9)} µs/step median ${median(times[k]).toFixed(1)}  passes ${times[k].map((v) => v.toFixed(0)).join(' ')}`);
const same = models.written.getWeights().every((w, i) => {
  const a = new Uint32Array((w.data as Float32Array).buffer), b = new Uint32Array((models.generated.getWeights()[i].data as Float32Array).buffer);
  return a.length === b.length && a.every((v, j) => v === b[j]);
});
console.log(`weights bit for bit the same after ${rounds} epochs each: ${same}`);
