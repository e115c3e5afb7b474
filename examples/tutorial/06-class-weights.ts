/**
 * Step 6 — class weights for imbalanced data.
 *
 * scikit-learn + Keras:  weights = compute_class_weight('balanced', classes=np.arange(10), y=y)
 *                        model.fit(x, y, class_weight=dict(enumerate(weights)))
 *
 * Real datasets are rarely balanced. Here the training set keeps every image of seven classes
 * but only 5% of T-shirt/top, Pullover and Shirt. Trained as is, the model learns that the
 * common look-alike (Coat for a pullover or a shirt, Dress for a T-shirt) is almost always the
 * right guess: the rare classes' recall collapses, while the accuracy on the imbalanced training
 * data still looks fine.
 *
 * 'balanced' class weights are n_samples / (n_classes · count(class)): a rare class's images
 * weigh ~14× more in the loss, so every class contributes the same total. Evaluated on the
 * balanced test set, the rare classes' recall comes back up — at the price of some precision on
 * them, and of some recall on the common classes they are confused with.
 */
import { computeClassWeight, metrics } from '../../src/index.js';
import { type Data, type StepResult, type Tutorial, classCounts, heading, mlp, percent, table, timed, secs } from './shared.js';

/** Classes kept at 5% of their images. */
const RARE = [0, 2, 6];
const KEEP = 0.05;

export async function stepClassWeights(t: Tutorial, d: Data): Promise<StepResult> {
  const title = 'Class weights on a deliberately imbalanced subset';
  heading(6, title, `Every image of 7 classes, ${KEEP * 100}% of ${RARE.map((c) => d.classNames[c]).join(', ')}; trained without and with computeClassWeight('balanced').`);

  // The imbalanced subset: the first 5% of each rare class's images, all the others.
  const n = d.yTrain.shape[0];
  const perClass = classCounts(d.yTrain);
  const seen = new Array<number>(d.classNames.length).fill(0);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = d.yTrain.data[i];
    if (RARE.includes(c) && seen[c] >= Math.max(1, Math.round(KEEP * perClass[c]))) continue;
    seen[c]++;
    rows.push(i);
  }
  const x = d.xTrain.gather(rows), labels = d.yTrain.gather(rows), y = d.yTrainOneHot.gather(rows);
  const classes = d.classNames.map((_, c) => c);
  const classWeight = computeClassWeight('balanced', { classes, y: labels });
  console.log(`Imbalanced training set: ${rows.length} images. Class weights from computeClassWeight('balanced', {classes, y}).\n`);

  const train = async (weighted: boolean) => {
    const model = mlp([128]); // same initial weights for both runs
    model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const [, ms] = await timed(() => model.fit(x, y, {
      epochs: t.sizes.classWeightEpochs, batchSize: 32, verbose: 0, ...(weighted ? { classWeight } : {}),
    }));
    const predicted = (await model.predict(d.xTest, { verbose: 0 })).argMax(-1);
    console.log(`— ${weighted ? 'with' : 'without'} class weights: ${t.sizes.classWeightEpochs} epochs in ${secs(ms)}`);
    return {
      recall: metrics.recallScore(d.yTest, predicted, { labels: classes, average: null, zeroDivision: 0 }),
      precision: metrics.precisionScore(d.yTest, predicted, { labels: classes, average: null, zeroDivision: 0 }),
      accuracy: metrics.accuracyScore(d.yTest, predicted),
      macroRecall: metrics.recallScore(d.yTest, predicted, { labels: classes, average: 'macro', zeroDivision: 0 }),
    };
  };
  const before = await train(false);
  const after = await train(true);

  console.log('');
  table(['class', 'training images', 'class weight', 'recall without', 'recall with', 'precision without', 'precision with'],
    classes.map((c) => [`${RARE.includes(c) ? '* ' : ''}${d.classNames[c]}`, seen[c], classWeight[c].toFixed(2), percent(before.recall[c]),
      percent(after.recall[c]), percent(before.precision[c]), percent(after.precision[c])]));
  const rareMean = (r: number[]) => RARE.reduce((a, c) => a + r[c], 0) / RARE.length;
  console.log(`\n* rare classes. Their mean recall: ${percent(rareMean(before.recall))} → ${percent(rareMean(after.recall))}; ` +
    `balanced accuracy (mean recall of all classes): ${percent(before.macroRecall)} → ${percent(after.macroRecall)}; ` +
    `accuracy: ${percent(before.accuracy)} → ${percent(after.accuracy)} (balanced test set).`);
  return {
    title, outputs: [], rareClasses: RARE.map((c) => d.classNames[c]), keepFraction: KEEP, trainingImages: seen, classWeight,
    without: before, with: after, rareMeanRecall: { without: rareMean(before.recall), with: rareMean(after.recall) },
  };
}
