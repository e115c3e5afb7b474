/**
 * Step 3 — optimizers: SGD with momentum, Adagrad, RMSprop and Adam, all at learning rate 0.01.
 *
 * Keras:  model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), ...)
 *
 * Plain SGD steps along the gradient. Momentum (0.9) averages the steps, so it keeps going in
 * consistent directions and damps oscillations. Adagrad divides each weight's step by the root
 * of its summed squared gradients: weights that moved a lot slow down, for good — its steps only
 * ever shrink. RMSprop uses a moving average of the squared gradients instead, so the steps can
 * stay large. Adam combines momentum with RMSprop's scaling (plus bias correction), which is why
 * it is the usual first choice. At 0.01 Adam and RMSprop are aggressive (their defaults are
 * 0.001): the validation curves show what a too-large step does to them.
 *
 * The last 10% of the training images are held out (validationSplit) to compare the runs on
 * images they did not train on; the model with the best final validation accuracy goes on to
 * step 4.
 */
import { type Sequential, type History, optimizers, plot } from '../../src/index.js';
import { compareRuns } from './compareChart.js';
import { type Data, type StepResult, type Tutorial, accuracyOf, fixed, heading, mlp, percent, secs, table, timed } from './shared.js';

export interface OptimizerRun {
  name: string;
  model: Sequential;
  history: History;
  testAccuracy: number;
  seconds: number;
}

export async function stepOptimizers(t: Tutorial, d: Data): Promise<{ result: StepResult; best: OptimizerRun }> {
  const title = 'SGD with momentum, Adagrad, RMSprop and Adam';
  heading(3, title, 'The same MLP (784-256-128-10) trained by four optimizers at learning rate 0.01, batch size 32.');
  const epochs = t.sizes.optimizerEpochs;
  const candidates = [
    { name: 'SGD (momentum 0.9)', make: () => new optimizers.SGD({ learningRate: 0.01, momentum: 0.9 }) },
    { name: 'Adagrad', make: () => new optimizers.Adagrad({ learningRate: 0.01 }) },
    { name: 'RMSprop', make: () => new optimizers.RMSprop({ learningRate: 0.01 }) },
    { name: 'Adam', make: () => new optimizers.Adam({ learningRate: 0.01 }) },
  ];
  const runs: OptimizerRun[] = [];
  for (const c of candidates) {
    const model = mlp();
    model.compile({ optimizer: c.make(), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const [history, ms] = await timed(() =>
      model.fit(d.xTrain, d.yTrainOneHot, { epochs, batchSize: 32, validationSplit: 0.1, verbose: 0 }));
    const testAccuracy = accuracyOf(await model.predict(d.xTest, { verbose: 0 }), d.yTest);
    console.log(`— ${c.name}: ${epochs} epochs in ${secs(ms)}`);
    runs.push({ name: c.name, model, history, testAccuracy, seconds: ms / 1000 });
  }

  const last = (r: OptimizerRun, k: string) => r.history.history[k][r.history.history[k].length - 1];
  console.log('');
  table(['optimizer (lr 0.01)', 'final loss', 'final val loss', 'best val acc (epoch)', 'final val acc', 'test acc', 'wall time'],
    runs.map((r) => {
      const va = r.history.history.val_accuracy;
      const bestEpoch = va.indexOf(Math.max(...va));
      return [r.name, fixed(last(r, 'loss')), fixed(last(r, 'val_loss')), `${percent(va[bestEpoch])} (${bestEpoch + 1})`,
        percent(last(r, 'val_accuracy')), percent(r.testAccuracy), secs(r.seconds * 1000)];
    }));

  const file = 'optimizers.png';
  const svg = compareRuns(runs.map((r) => ({ name: r.name, history: r.history.history })), 
    { loss: 'training loss', val_loss: 'validation loss', val_accuracy: 'validation accuracy' },
    'Fashion-MNIST MLP: four optimizers at learning rate 0.01');
  await plot.savePlot(svg, t.out(file));
  console.log(`\nWrote ${file}: training loss, validation loss and validation accuracy per epoch of the four runs.`);

  const best = runs.reduce((a, b) => (last(b, 'val_accuracy') > last(a, 'val_accuracy') ? b : a));
  console.log(`Best final validation accuracy: ${best.name} — it is the model evaluated in step 4.`);
  return {
    best,
    result: {
      title, outputs: [file], epochs, learningRate: 0.01, batchSize: 32, validationSplit: 0.1, best: best.name,
      runs: runs.map((r) => ({ name: r.name, history: r.history.history, testAccuracy: r.testAccuracy, seconds: r.seconds })),
    },
  };
}
