/**
 * Step 4 — evaluate beyond accuracy: the confusion matrix and the classification report.
 *
 * Keras + scikit-learn:  model.evaluate(x_test, y_test)
 *                        y_pred = model.predict(x_test).argmax(axis=1)
 *                        confusion_matrix(y_test, y_pred); classification_report(y_test, y_pred)
 *
 * One accuracy figure hides which classes the model confuses. The confusion matrix counts, for
 * each true class (row), what the model predicted (column): the diagonal is right, everything
 * else is a specific mistake. The report gives per class the precision (of the images predicted
 * as this class, how many are), the recall (of the images of this class, how many were found)
 * and their harmonic mean F1. On Fashion-MNIST the shirts, T-shirts, pullovers and coats are the
 * hard ones: they look alike at 28×28.
 */
import { writeFileSync } from 'node:fs';

import { metrics, plot } from '../../src/index.js';
import type { OptimizerRun } from './03-optimizers.js';
import { type Data, type StepResult, type Tutorial, fixed, heading, percent, table, writeJson } from './shared.js';

export async function stepEvaluation(t: Tutorial, d: Data, run: OptimizerRun): Promise<StepResult> {
  const title = 'Confusion matrix and classification report';
  heading(4, title, `The best model of step 3 (${run.name}) on the ${d.xTest.shape[0]} test images.`);
  const [loss, accuracy] = (await run.model.evaluate(d.xTest, d.yTestOneHot, { verbose: 0 })) as number[];
  console.log(`model.evaluate: test loss ${fixed(loss)}, test accuracy ${percent(accuracy, 2)}\n`);

  // predict gives the 10 softmax probabilities per image; the predicted class is the largest.
  const predicted = (await run.model.predict(d.xTest, { verbose: 0 })).argMax(-1);
  const cm = metrics.confusionMatrix(d.yTest, predicted);
  const report = metrics.classificationReport(d.yTest, predicted, { targetNames: d.classNames, digits: 4 });
  const reportDict = metrics.classificationReport(d.yTest, predicted, { targetNames: d.classNames, outputDict: true });
  console.log(report);

  // The largest off-diagonal cells: the mistakes the model makes most.
  const n = d.classNames.length;
  const mistakes = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && cm.get(i, j) > 0) mistakes.push({ i, j, count: cm.get(i, j) });
  mistakes.sort((a, b) => b.count - a.count);
  const top = mistakes.slice(0, 5);
  console.log('Most frequent confusions:');
  table(['true class', 'predicted as', 'images'], top.map((m) => [d.classNames[m.i], d.classNames[m.j], m.count]));

  const files = { heatmap: 'confusion-matrix.png', report: 'classification-report.txt', reportJson: 'classification-report.json' };
  await plot.savePlot(plot.plotConfusionMatrix(cm, { labels: d.classNames, title: `Fashion-MNIST confusion matrix (${run.name} MLP)` }),
    t.out(files.heatmap));
  writeFileSync(t.out(files.report), report);
  writeJson(t.out(files.reportJson), reportDict);
  console.log(`\nWrote ${Object.values(files).join(', ')}.`);
  return {
    title, outputs: Object.values(files), model: run.name, testLoss: loss, testAccuracy: accuracy,
    confusionMatrix: cm.toArray(), topConfusions: top.map((m) => ({ true: d.classNames[m.i], predicted: d.classNames[m.j], images: m.count })),
  };
}
