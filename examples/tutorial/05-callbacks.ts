/**
 * Step 5 — callbacks: EarlyStopping, ModelCheckpoint and ReduceLROnPlateau.
 *
 * Keras:  callbacks = [ModelCheckpoint('best.keras', save_best_only=True),
 *                      ReduceLROnPlateau(factor=0.2, patience=2),
 *                      EarlyStopping(patience=4, restore_best_weights=True)]
 *         model.fit(x, y, epochs=40, validation_split=0.1, callbacks=callbacks)
 *
 * An MLP this size starts to overfit Fashion-MNIST after a handful of epochs: the training loss
 * keeps falling while the validation loss turns back up. Instead of guessing the right number of
 * epochs, give a generous budget and let callbacks watch `val_loss` after every epoch:
 * - ReduceLROnPlateau divides the learning rate by 5 when val_loss has not improved for 2 epochs
 *   (smaller steps often find a little more);
 * - ModelCheckpoint writes the model to disk each time val_loss reaches a new best, so the best
 *   model survives a crash or a later, worse epoch;
 * - EarlyStopping ends training when val_loss has not improved for 4 epochs and puts back the
 *   weights of the best epoch — the same weights the checkpoint holds.
 * CSVLogger writes every epoch's logs to a CSV file as it goes.
 */
import { callbacks, loadModel, plot } from '../../src/index.js';
import { type Data, type StepResult, type Tutorial, accuracyOf, fixed, heading, mlp, percent, secs, table, timed } from './shared.js';

interface EpochRecord {
  epoch: number;
  loss: number;
  valLoss: number;
  valAccuracy: number;
  learningRate: number;
  checkpointSaved: boolean;
  learningRateAfter: number;
}

export async function stepCallbacks(t: Tutorial, d: Data): Promise<StepResult> {
  const title = 'EarlyStopping, ModelCheckpoint and ReduceLROnPlateau';
  const s = t.sizes;
  heading(5, title, `An Adam MLP with a budget of ${s.callbackMaxEpochs} epochs; the callbacks watch val_loss and decide when to slow down, save and stop.`);
  const files = { checkpoint: 'checkpoints/best.onnx', csv: 'training-log.csv', plot: 'history.png' };

  const model = mlp();
  model.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const checkpoint = new callbacks.ModelCheckpoint(t.out(files.checkpoint), { monitor: 'val_loss', saveBestOnly: true });
  const reduceLr = new callbacks.ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.2, patience: s.reduceLrPatience, minLr: 1e-5, verbose: 1 });
  const earlyStopping = new callbacks.EarlyStopping({ monitor: 'val_loss', patience: s.earlyStoppingPatience, restoreBestWeights: true, verbose: 1 });
  const csvLogger = new callbacks.CSVLogger(t.out(files.csv));

  // A last callback of our own records, after the three have run, what each did this epoch.
  const records: EpochRecord[] = [];
  let bestSoFar: number | undefined;
  const recorder = {
    onEpochEnd: (epoch: number, logs: callbacks.Logs) => {
      records.push({
        epoch: epoch + 1, loss: logs.loss, valLoss: logs.val_loss, valAccuracy: logs.val_accuracy,
        learningRate: logs.learning_rate, // the rate this epoch trained with (logged by ReduceLROnPlateau)
        checkpointSaved: checkpoint.best !== bestSoFar,
        // Read as float32, as the logged rate is, so an unchanged rate compares equal.
        learningRateAfter: Math.fround(model.optimizer!.currentLearningRate()),
      });
      bestSoFar = checkpoint.best;
    },
  };

  const [history, ms] = await timed(() => model.fit(d.xTrain, d.yTrainOneHot, {
    epochs: s.callbackMaxEpochs, batchSize: 32, validationSplit: 0.1, verbose: t.verbose,
    callbacks: [checkpoint, reduceLr, earlyStopping, csvLogger, recorder],
  }));

  const stopped = earlyStopping.stoppedEpoch > 0;
  const restoredEpoch = earlyStopping.bestEpoch + 1;
  console.log('');
  table(['epoch', 'loss', 'val loss', 'val acc', 'learning rate', 'what the callbacks did'], records.map((r) => {
    const acted = [];
    if (r.checkpointSaved) acted.push('ModelCheckpoint saved (new best val_loss)');
    if (r.learningRateAfter < r.learningRate) acted.push(`ReduceLROnPlateau: lr → ${r.learningRateAfter.toPrecision(2)}`);
    if (stopped && r.epoch === earlyStopping.stoppedEpoch + 1) acted.push(`EarlyStopping stopped training`);
    return [r.epoch, fixed(r.loss), fixed(r.valLoss), percent(r.valAccuracy), r.learningRate.toPrecision(2), acted.join('; ') || '—'];
  }));

  const checkpointEpochs = records.filter((r) => r.checkpointSaved).map((r) => r.epoch);
  const reductions = records.filter((r) => r.learningRateAfter < r.learningRate).map((r) => ({ epoch: r.epoch, from: r.learningRate, to: r.learningRateAfter }));
  console.log(`\nEarlyStopping: ${stopped
    ? `stopped after epoch ${earlyStopping.stoppedEpoch + 1} of ${s.callbackMaxEpochs} (${earlyStopping.patience} epochs without a better val_loss)`
    : `did not stop early (all ${s.callbackMaxEpochs} epochs ran)`}, and restored the weights of epoch ${restoredEpoch} ` +
    `(val_loss ${fixed(earlyStopping.best ?? NaN)}). Trained in ${secs(ms)}.`);
  console.log(`ModelCheckpoint: saved ${files.checkpoint} at epochs ${checkpointEpochs.join(', ')}; the last save is the best epoch.`);
  console.log(`ReduceLROnPlateau: ${reductions.length ? reductions.map((r) => `epoch ${r.epoch}: ${r.from.toPrecision(2)} → ${r.to.toPrecision(2)}`).join(', ') : 'never reduced the learning rate'}.`);

  // The restored weights and the checkpoint are the same model: their predictions agree exactly.
  const restored = await model.predict(d.xTest, { verbose: 0 });
  const fromCheckpoint = await (await loadModel(t.out(files.checkpoint))).predict(d.xTest, { verbose: 0 });
  let maxDiff = 0;
  for (let i = 0; i < restored.size; i++) maxDiff = Math.max(maxDiff, Math.abs(restored.data[i] - fromCheckpoint.data[i]));
  const testAccuracy = accuracyOf(restored, d.yTest);
  console.log(`Test accuracy of the restored model: ${percent(testAccuracy, 2)}; the checkpoint predicts the same (max |difference| ${maxDiff}).`);

  await plot.savePlot(plot.plotHistory(history, { title: 'Training with EarlyStopping, ModelCheckpoint and ReduceLROnPlateau' }), t.out(files.plot));
  console.log(`Wrote ${files.plot} (dashed lines: learning-rate reductions), ${files.checkpoint} and ${files.csv}.`);
  return {
    title, outputs: Object.values(files), maxEpochs: s.callbackMaxEpochs, epochsRun: records.length,
    earlyStopping: { stopped, stoppedEpoch: stopped ? earlyStopping.stoppedEpoch + 1 : null, restoredEpoch, bestValLoss: earlyStopping.best },
    modelCheckpoint: { savedAtEpochs: checkpointEpochs, bestValLoss: checkpoint.best },
    reduceLROnPlateau: { reductions },
    testAccuracy, checkpointMaxAbsDiff: maxDiff, seconds: ms / 1000, epochs: records,
  };
}
