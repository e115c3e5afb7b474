/**
 * The Keras image-classification tutorial, in TypeScript on kerno: Fashion-MNIST (the subset
 * shipped in the repo, or the full dataset from a folder given as the first argument), one-hot
 * labels, an MLP trained with Adam at batch 32, evaluation with a confusion matrix and sklearn's
 * classification report. Outputs go to ./outputs.
 *
 *   npm run example                       # shipped 10,000/2,000-image subset
 *   npm run example -- /usr/share/datasets/fashion-mnist   # the full 60,000/10,000
 *
 * The remaining tutorial steps (optimizer comparison, callbacks, class weights, images from
 * folders, ONNX save/load) join as those capabilities land.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Sequential, datasets, layers, metrics, plot, setSeed, toCategorical } from '../src/index.js';

async function main(): Promise<void> {
  const outDir = join(process.cwd(), 'outputs');
  mkdirSync(outDir, { recursive: true });
  setSeed(42);

  // 1. Load the data and one-hot encode the labels.
  const { train, test, classNames } = datasets.fashionMnist(process.argv[2] ? { path: process.argv[2] } : {});
  console.log(`Training images: ${train.x.shape.join('×')}, test images: ${test.x.shape.join('×')}`);
  const yTrain = toCategorical(train.y, 10);
  const yTest = toCategorical(test.y, 10);

  // 2. The model: pixels scaled to [0, 1] inside the model, then a 784-256-128-10 MLP.
  const model = new Sequential([
    new layers.Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
    new layers.Flatten(),
    new layers.Dense({ units: 256, activation: 'relu' }),
    new layers.Dense({ units: 128, activation: 'relu' }),
    new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  model.summary();

  // 3. Mini-batch gradient descent, with the last 10% of the training set held out.
  const started = performance.now();
  const history = await model.fit(train.x, yTrain, { epochs: 5, batchSize: 32, validationSplit: 0.1, verbose: 1 });
  console.log(`Trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // 4. Evaluate beyond accuracy.
  const [loss, accuracy] = (await model.evaluate(test.x, yTest, { verbose: 0 })) as number[];
  console.log(`Test loss ${loss.toFixed(4)}, test accuracy ${accuracy.toFixed(4)}`);
  const predicted = (await model.predict(test.x, { verbose: 0 })).argMax(-1);
  const cm = metrics.confusionMatrix(test.y, predicted);
  const report = metrics.classificationReport(test.y, predicted, { targetNames: classNames, digits: 4 }) as string;
  console.log(report);
  writeFileSync(join(outDir, 'classification_report.txt'), report);
  await plot.savePlot(plot.plotConfusionMatrix(cm, { labels: classNames, title: 'Fashion-MNIST confusion matrix' }),
    join(outDir, 'confusion_matrix.png'));
  await plot.savePlot(plot.plotHistory(history, { title: 'Training history' }), join(outDir, 'history.png'));
  console.log(`Wrote ${outDir}/confusion_matrix.png, history.png and classification_report.txt`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
