/**
 * Step 2 — the three flavours of gradient descent, which differ only in the batch size.
 *
 * Keras:  model.fit(x, y, batch_size=len(x))   # batch: one exact gradient step per epoch
 *         model.fit(x, y, batch_size=1)        # stochastic: one noisy step per image
 *         model.fit(x, y, batch_size=32)       # mini-batch: the usual compromise
 *
 * Same MLP, same starting weights, same plain SGD (learning rate 0.01), same number of epochs
 * (passes over the data). What changes is how many updates an epoch makes: batch gradient
 * descent makes one per epoch and barely moves; stochastic makes one per image and learns most
 * per epoch, but each update is a tiny matrix-vector product, so an epoch costs far more wall
 * time; mini-batches of 32 get most of the progress at a fraction of the time, because a batch
 * update is one efficient matrix-matrix product.
 */
import { optimizers } from '../../src/index.js';
import { type Data, type StepResult, type Tutorial, accuracyOf, fixed, heading, mlp, percent, secs, table, timed } from './shared.js';

export async function stepGradientDescent(t: Tutorial, d: Data): Promise<StepResult> {
  const title = 'Batch, stochastic and mini-batch gradient descent';
  heading(2, title, 'One MLP, one learning rate (SGD 0.01); only the batch size changes: all images, 1, 32.');
  const n = t.sizes.gdSamples, epochs = t.sizes.gdEpochs;
  const x = d.xTrain.slice(0, n), y = d.yTrainOneHot.slice(0, n);
  // Batch size 1 is the slowest training of the tutorial: one update per image. Its image count is
  // capped (sizesFor) so the whole run stays at a few minutes.
  console.log(`Training on ${n} images for ${epochs} epochs each` + (n < d.xTrain.shape[0] ? ` (the first ${n} of ${d.xTrain.shape[0]})` : '') +
    `. Batch size 1 makes ${n} updates per epoch: the slowest training of the tutorial.\n`);

  const flavours = [
    { name: 'batch', batchSize: n },
    { name: 'stochastic', batchSize: 1 },
    { name: 'mini-batch', batchSize: 32 },
  ];
  const runs = [];
  for (const f of flavours) {
    console.log(`— ${f.name} gradient descent (batch size ${f.batchSize})`);
    const model = mlp([128]); // same seed → same initial weights for all three
    model.compile({ optimizer: new optimizers.SGD({ learningRate: 0.01 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const [history, ms] = await timed(() => model.fit(x, y, { epochs, batchSize: f.batchSize, verbose: t.verbose }));
    const testAccuracy = accuracyOf(await model.predict(d.xTest, { verbose: 0 }), d.yTest);
    runs.push({ ...f, updatesPerEpoch: Math.ceil(n / f.batchSize), loss: history.history.loss, testAccuracy, seconds: ms / 1000 });
  }

  console.log('');
  table(
    ['flavour', 'batch size', 'updates/epoch', ...Array.from({ length: epochs }, (_, e) => `loss ep ${e + 1}`), 'test acc', 'wall time'],
    runs.map((r) => [r.name, r.batchSize, r.updatesPerEpoch, ...r.loss.map((v) => fixed(v)), percent(r.testAccuracy), secs(r.seconds * 1000)]),
  );
  console.log('\nBatch GD makes one exact step per epoch and hardly moves; stochastic GD learns the most per epoch but is the\n' +
    'slowest per epoch; mini-batches of 32 get close to it in far less time — why batch size 32 is the default.');
  return { title, outputs: [], samples: n, epochs, learningRate: 0.01, runs };
}
