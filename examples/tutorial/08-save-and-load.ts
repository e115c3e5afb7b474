/**
 * Step 8 — save and load, and run the saved model outside kerno.
 *
 * Keras:  model.save('model.keras'); model = keras.models.load_model('model.keras')
 *         model.save_weights('model.weights.h5'); other.load_weights('model.weights.h5')
 *
 * kerno saves ONNX, the open format every inference runtime reads: `model.save` writes one
 * .onnx file with the graph, the weights and (for loadModel) the compile configuration and
 * optimizer state, so a loaded model predicts, evaluates and continues training as before.
 * `saveWeights`/`loadWeights` move only the weights between models of the same architecture.
 * Because the file is standard ONNX, onnxruntime (here onnxruntime-node; equally Python, C++,
 * C#, the browser, mobile) runs it as is — the Rescaling layer included, so it takes the same raw
 * pixels. Identical predictions mean the same argmax for every image and differences at the
 * level of float32 rounding.
 */
import { statSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

import { type Sequential, Tensor, loadModel } from '../../src/index.js';
import { type Data, type StepResult, type Tutorial, accuracyOf, heading, mlp, percent, table } from './shared.js';

/** Largest absolute difference and the fraction of rows with the same argmax. */
function compare(a: Float32Array, b: Float32Array, classes = 10): { maxAbsDiff: number; argmaxAgreement: number } {
  let maxAbsDiff = 0, same = 0;
  const rows = a.length / classes;
  for (let r = 0; r < rows; r++) {
    let ia = 0, ib = 0;
    for (let c = 0; c < classes; c++) {
      const k = r * classes + c;
      maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[k] - b[k]));
      if (a[k] > a[r * classes + ia]) ia = c;
      if (b[k] > b[r * classes + ib]) ib = c;
    }
    if (ia === ib) same++;
  }
  return { maxAbsDiff, argmaxAgreement: same / rows };
}

/** Runs an .onnx file in onnxruntime-node on `x` (float32) and returns its first output. */
async function runOnnxruntime(path: string, x: Tensor): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(path);
  const input = new ort.Tensor('float32', x.data as Float32Array, [...x.shape]);
  const out = await session.run({ [session.inputNames[0]]: input });
  return out[session.outputNames[0]].data as Float32Array;
}

export async function stepSaveAndLoad(t: Tutorial, d: Data, best: { name: string; model: Sequential }, cnn: Sequential): Promise<StepResult> {
  const title = 'Save and load (ONNX), and run the saved model in onnxruntime-node';
  heading(8, title, `The ${best.name} MLP of steps 3–4 and the CNN of step 7, saved as ONNX and loaded back by kerno and by onnxruntime-node.`);
  const files = { model: 'model.onnx', weights: 'model.weights.onnx', cnn: 'cnn.onnx' };
  const model = best.model;
  const reference = (await model.predict(d.xTest, { verbose: 0 })).data as Float32Array;

  // 1. The whole model: save, load, predict and evaluate (loadModel restores the compile configuration).
  await model.save(t.out(files.model));
  const loaded = await loadModel(t.out(files.model));
  const reloaded = compare(reference, (await loaded.predict(d.xTest, { verbose: 0 })).data as Float32Array);
  const [, loadedAccuracy] = (await loaded.evaluate(d.xTest, d.yTestOneHot, { verbose: 0 })) as number[];

  // 2. Weights only, into a fresh model of the same architecture (initialised from another seed).
  await model.saveWeights(t.out(files.weights));
  const twin = mlp([256, 128], 7);
  const beforeLoad = compare(reference, (await twin.predict(d.xTest, { verbose: 0 })).data as Float32Array);
  await twin.loadWeights(t.out(files.weights));
  const weights = compare(reference, (await twin.predict(d.xTest, { verbose: 0 })).data as Float32Array);

  // 3. onnxruntime-node on the same file. ONNX runtimes take float32: the raw pixels 0–255 as floats.
  const pixels = new Tensor(Float32Array.from(d.xTest.data), [...d.xTest.shape]);
  const onnxruntime = compare(reference, await runOnnxruntime(t.out(files.model), pixels));

  // 4. The CNN (NHWC input in [0, 1]; kerno exports the layout transposes ONNX's NCHW convolutions need).
  const n = Math.min(d.xTest.shape[0], t.sizes.pngTest);
  const images = new Tensor(Float32Array.from(d.xTest.slice(0, n).data, (v) => v / 255), [n, 28, 28, 1]);
  await cnn.save(t.out(files.cnn));
  const cnnReference = (await cnn.predict(images, { verbose: 0 })).data as Float32Array;
  const cnnOnnxruntime = compare(cnnReference, await runOnnxruntime(t.out(files.cnn), images));

  const rows = [
    ['MLP', 'model.save → loadModel (kerno)', reloaded],
    ['MLP', 'fresh model, before loadWeights', beforeLoad],
    ['MLP', 'saveWeights → loadWeights (kerno)', weights],
    ['MLP', 'model.onnx in onnxruntime-node', onnxruntime],
    ['CNN', 'cnn.onnx in onnxruntime-node', cnnOnnxruntime],
  ] as const;
  table(['model', 'predictions of', 'max |Δ| vs the trained model', 'same class predicted'],
    rows.map(([m, what, c]) => [m, what, c.maxAbsDiff === 0 ? '0 (bit-identical)' : c.maxAbsDiff.toExponential(2), percent(c.argmaxAgreement, 2)]));
  console.log(`\nThe loaded model evaluates to the same test accuracy: ${percent(loadedAccuracy, 2)} ` +
    `(trained model: ${percent(accuracyOf(new Tensor(reference, [d.xTest.shape[0], 10]), d.yTest), 2)}).`);
  const size = (f: string) => statSync(t.out(f)).size;
  console.log(`Wrote ${files.model} (${(size(files.model) / 1024).toFixed(0)} KiB, with the optimizer state), ` +
    `${files.weights} (${(size(files.weights) / 1024).toFixed(0)} KiB) and ${files.cnn} (${(size(files.cnn) / 1024).toFixed(0)} KiB).`);
  return {
    title, outputs: Object.values(files), model: best.name, loadedTestAccuracy: loadedAccuracy,
    mlp: { loadModel: reloaded, beforeLoadWeights: beforeLoad, loadWeights: weights, onnxruntime },
    cnn: { onnxruntime: cnnOnnxruntime, images: n },
  };
}
