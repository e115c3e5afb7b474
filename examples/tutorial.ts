/**
 * The classic Keras image-classification tutorial, in TypeScript on kerno — eight steps on
 * Fashion-MNIST, one file each under examples/tutorial/:
 *
 *   1. load the data and one-hot encode the labels            01-data.ts
 *   2. batch, stochastic and mini-batch gradient descent      02-gradient-descent.ts
 *   3. SGD with momentum, Adagrad, RMSprop and Adam           03-optimizers.ts
 *   4. confusion matrix and classification report             04-evaluation.ts
 *   5. EarlyStopping, ModelCheckpoint, ReduceLROnPlateau      05-callbacks.ts
 *   6. class weights on imbalanced data                       06-class-weights.ts
 *   7. images from folders (flowFromDirectory) and a CNN      07-images-from-folders.ts
 *   8. save and load ONNX, run it in onnxruntime-node         08-save-and-load.ts
 *
 *   npm run example                                          # the 10,000 + 2,000 image subset shipped in the repo
 *   npm run example -- /usr/share/datasets/fashion-mnist     # the full 60,000 + 10,000
 *   npm run example -- --quick --out /tmp/tutorial           # a smoke run of every step (what the test runs)
 *
 * The full run takes about a minute on a 2-core machine. Everything it writes — plots, reports,
 * models, the PNG folder tree and summary.json with every step's figures — goes to ./outputs.
 */
import { cpus } from 'node:os';

import { backendInfo } from '../src/index.js';
import { loadFashionMnist, stepData } from './tutorial/01-data.js';
import { stepGradientDescent } from './tutorial/02-gradient-descent.js';
import { stepOptimizers } from './tutorial/03-optimizers.js';
import { stepEvaluation } from './tutorial/04-evaluation.js';
import { stepCallbacks } from './tutorial/05-callbacks.js';
import { stepClassWeights } from './tutorial/06-class-weights.js';
import { stepImagesFromFolders } from './tutorial/07-images-from-folders.js';
import { stepSaveAndLoad } from './tutorial/08-save-and-load.js';
import { USAGE, type StepResult, UsageError, makeTutorial, parseOptions, percent, secs, sizesFor, table, writeJson } from './tutorial/shared.js';

/** The accuracy the best model of a full run must reach on the test images. */
const TARGET_ACCURACY = 0.8;

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') return void console.log(USAGE);
  const started = performance.now();
  const raw = loadFashionMnist(options.dataPath);
  const t = makeTutorial(options, sizesFor(options.quick, raw.train.x.shape[0], raw.test.x.shape[0]));
  const info = backendInfo();
  console.log(`kerno tutorial — ${options.quick ? 'QUICK mode: small subsets, 1–2 epochs per step (a smoke run, not for accuracy)'
    : 'full run: about a minute on a 2-core machine (batch size 1 in step 2 and the CNN in step 7 take longest)'}`);
  console.log(`Backend ${info.defaultBackend} (${info.simd}), ${info.threads} threads; outputs in ${options.outDir}`);

  const steps: Record<string, StepResult & { seconds: number }> = {};
  const record = async <T>(n: number, fn: () => Promise<T> | T, pick: (r: T) => StepResult): Promise<T> => {
    const t0 = performance.now();
    const r = await fn();
    steps[n] = { ...pick(r), seconds: (performance.now() - t0) / 1000 };
    return r;
  };

  const { data } = await record(1, () => stepData(t, raw), (r) => r.result);
  await record(2, () => stepGradientDescent(t, data), (r) => r);
  const optimizers = await record(3, () => stepOptimizers(t, data), (r) => r.result);
  const evaluation = await record(4, () => stepEvaluation(t, data, optimizers.best), (r) => r);
  const callbacks = await record(5, () => stepCallbacks(t, data), (r) => r);
  await record(6, () => stepClassWeights(t, data), (r) => r);
  const images = await record(7, () => stepImagesFromFolders(t, data), (r) => r.result);
  await record(8, () => stepSaveAndLoad(t, data, optimizers.best, images.model), (r) => r);

  // The best model of the run, by test accuracy.
  const candidates = [
    { model: `step 3/4: ${optimizers.best.name} MLP`, testAccuracy: evaluation.testAccuracy as number },
    { model: 'step 5: Adam MLP with callbacks (restored best epoch)', testAccuracy: callbacks.testAccuracy as number },
    { model: 'step 7: CNN from PNG folders', testAccuracy: images.result.testAccuracy as number },
  ];
  const best = candidates.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  const totalSeconds = (performance.now() - started) / 1000;

  console.log(`\n${'═'.repeat(100)}\nSummary\n${'═'.repeat(100)}`);
  table(['step', 'title', 'time'], Object.entries(steps).map(([n, s]) => [n, s.title, secs(s.seconds * 1000)]));
  console.log('');
  table(['model', 'test accuracy'], candidates.map((c) => [c.model, percent(c.testAccuracy, 2)]));
  const reached = best.testAccuracy >= TARGET_ACCURACY;
  console.log(`\nBest model: ${best.model}, ${percent(best.testAccuracy, 2)} test accuracy` +
    (options.quick ? ' (quick mode: only expected to beat chance, 10%).' : reached ? ` (target ≥ ${percent(TARGET_ACCURACY, 0)} reached).`
      : ` — BELOW the ${percent(TARGET_ACCURACY, 0)} target.`));
  console.log(`Total time ${secs(totalSeconds * 1000)}. Outputs and summary.json in ${options.outDir}`);

  writeJson(t.out('summary.json'), {
    mode: options.quick ? 'quick' : 'full',
    dataset: options.dataPath ?? 'shipped subset (data/fashion-mnist)',
    sizes: t.sizes,
    machine: { cpus: cpus().length, backend: info.defaultBackend, simd: info.simd, threads: info.threads },
    bestModel: { ...best, target: TARGET_ACCURACY, reached },
    totalSeconds,
    steps,
  });
}

main().catch((e: unknown) => {
  console.error(e instanceof UsageError ? e.message : e);
  process.exit(1);
});
