/**
 * The tutorial (`npm run example`) can never silently break: it runs here in quick mode (small
 * subsets, 1–2 epochs) in a child process, into a temporary folder, and every step's outputs are
 * checked — files exist, PNGs decode and are not blank, reports parse and agree with each other,
 * the PNG tree holds the images, the ONNX files predict like kerno in onnxruntime-node, and the
 * models beat chance (10%). Nothing depends on timing.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets } from '../../src/data/index.js';
import { loadModel } from '../../src/io/onnx/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

/** Runs the tutorial with `args`; resolves with the exit code and output (never rejects on a non-zero exit). */
async function tutorial(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', join(root, 'examples', 'tutorial.ts'), ...args], {
      cwd: root, timeout: 110_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KERNO_TUTORIAL_QUICK: '' },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

interface Parity { maxAbsDiff: number; argmaxAgreement: number }
// The parts of summary.json the checks read.
interface Summary {
  mode: string;
  sizes: { train: number; test: number; gdSamples: number; gdEpochs: number; optimizerEpochs: number; callbackMaxEpochs: number; pngTrain: number; pngTest: number; cnnEpochs: number };
  bestModel: { model: string; testAccuracy: number };
  steps: Record<string, { title: string; outputs: string[]; seconds: number; [k: string]: any }>;
}

let out: string;
let result: { code: number; stdout: string; stderr: string };
let summary: Summary;
const step = (n: number) => summary.steps[String(n)];
const file = (name: string) => join(out, name);

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'kerno-tutorial-'));
  result = await tutorial(['--quick', '--out', out]);
  if (result.code !== 0) throw new Error(`the tutorial exited with ${result.code}:\n${result.stderr}\n${result.stdout.slice(-4000)}`);
  summary = JSON.parse(readFileSync(file('summary.json'), 'utf8')) as Summary;
}, 120_000);

afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

/** Decodes a PNG and checks it is a real picture: a plausible size and more than one colour. */
async function expectPicture(name: string, minWidth: number, minHeight: number): Promise<void> {
  const img = sharp(file(name));
  const meta = await img.metadata();
  expect(meta.format, name).toBe('png');
  expect(meta.width!, name).toBeGreaterThanOrEqual(minWidth);
  expect(meta.height!, name).toBeGreaterThanOrEqual(minHeight);
  const stats = await img.stats();
  expect(stats.channels[0].stdev, `${name} is blank`).toBeGreaterThan(5);
}

describe('the tutorial in quick mode (npm run example -- --quick)', () => {
  it('runs every step and writes summary.json listing each step with its outputs, all present', () => {
    expect(summary.mode).toBe('quick');
    expect(Object.keys(summary.steps)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    for (const [n, s] of Object.entries(summary.steps)) {
      expect(s.title, `step ${n}`).toMatch(/\w/);
      for (const o of s.outputs) expect(existsSync(file(o)), `step ${n}: ${o}`).toBe(true);
    }
    expect(result.stdout).toContain('Step 8.');
  });

  it('step 1: shapes and one-hot labels', () => {
    const s = step(1);
    expect(s.trainShape).toEqual([summary.sizes.train, 28, 28]);
    expect(s.oneHotShape).toEqual([summary.sizes.train, 10]);
    expect((s.trainCounts as number[]).reduce((a, b) => a + b, 0)).toBe(summary.sizes.train);
    expect(s.classNames).toHaveLength(10);
  });

  it('step 2: the three gradient-descent flavours, a finite loss per epoch each', () => {
    const runs = step(2).runs as { batchSize: number; updatesPerEpoch: number; loss: number[]; testAccuracy: number }[];
    expect(runs.map((r) => r.batchSize)).toEqual([summary.sizes.gdSamples, 1, 32]);
    expect(runs.map((r) => r.updatesPerEpoch)).toEqual([1, summary.sizes.gdSamples, Math.ceil(summary.sizes.gdSamples / 32)]);
    for (const r of runs) {
      expect(r.loss).toHaveLength(summary.sizes.gdEpochs);
      for (const l of r.loss) expect(Number.isFinite(l) && l > 0).toBe(true);
    }
    // Thousands of small steps beat one full-batch step per epoch, at any size.
    expect(runs[1].loss.at(-1)!).toBeLessThan(runs[0].loss.at(-1)!);
  });

  it('step 3: four optimizers with full histories, and the comparison plot', async () => {
    const runs = step(3).runs as { name: string; history: Record<string, number[]> }[];
    expect(runs.map((r) => r.name)).toEqual(['SGD (momentum 0.9)', 'Adagrad', 'RMSprop', 'Adam']);
    for (const r of runs) for (const k of ['loss', 'val_loss', 'accuracy', 'val_accuracy']) expect(r.history[k]).toHaveLength(summary.sizes.optimizerEpochs);
    expect(runs.map((r) => r.name)).toContain(step(3).best);
    await expectPicture('optimizers.png', 800, 300);
  });

  it('step 4: the confusion-matrix heatmap and the classification report, consistent with each other', async () => {
    await expectPicture('confusion-matrix.png', 400, 400);
    const s = step(4);
    const report = JSON.parse(readFileSync(file('classification-report.json'), 'utf8')) as Record<string, any>;
    const classNames = step(1).classNames as string[];
    for (const name of classNames) expect(report[name].recall).toBeGreaterThanOrEqual(0);
    expect(classNames.reduce((n, c) => n + report[c].support, 0)).toBe(summary.sizes.test);
    expect(report.accuracy).toBeCloseTo(s.testAccuracy, 6);
    const cm = s.confusionMatrix as number[][];
    const diagonal = cm.reduce((n, row, i) => n + row[i], 0);
    expect(diagonal / summary.sizes.test).toBeCloseTo(s.testAccuracy, 6);
    const text = readFileSync(file('classification-report.txt'), 'utf8');
    for (const w of ['precision', 'recall', 'f1-score', 'macro avg', ...classNames]) expect(text).toContain(w);
    expect(s.testAccuracy).toBeGreaterThan(0.3);
  });

  it('step 5: the callbacks acted, the checkpoint is the restored model, the CSV log and history plot exist', async () => {
    const s = step(5);
    const epochs = s.epochs as { epoch: number; checkpointSaved: boolean }[];
    expect(s.epochsRun).toBe(epochs.length);
    expect(epochs.length).toBeGreaterThanOrEqual(1);
    expect(epochs.length).toBeLessThanOrEqual(summary.sizes.callbackMaxEpochs);
    // The first epoch always improves on "no best yet"; the last save is EarlyStopping's best epoch.
    expect(s.modelCheckpoint.savedAtEpochs[0]).toBe(1);
    expect(s.modelCheckpoint.savedAtEpochs.at(-1)).toBe(s.earlyStopping.restoredEpoch);
    expect(s.checkpointMaxAbsDiff).toBe(0);
    expect(existsSync(file('checkpoints/best.onnx'))).toBe(true);
    const csv = readFileSync(file('training-log.csv'), 'utf8').trim().split(/\r?\n/);
    expect(csv[0].split(',')).toEqual(expect.arrayContaining(['epoch', 'loss', 'val_loss', 'learning_rate']));
    expect(csv).toHaveLength(epochs.length + 1);
    await expectPicture('history.png', 600, 300);
  });

  it('step 6: balanced class weights favour the rare classes; recall per class before and after', () => {
    const s = step(6);
    const rare = (s.rareClasses as string[]).map((name) => (step(1).classNames as string[]).indexOf(name));
    const weights = s.classWeight as Record<string, number>;
    for (let c = 0; c < 10; c++) expect(weights[c] > 1, `class ${c}`).toBe(rare.includes(c));
    for (const r of [s.without.recall, s.with.recall] as number[][]) {
      expect(r).toHaveLength(10);
      for (const v of r) expect(v >= 0 && v <= 1).toBe(true);
    }
  });

  it('step 7: the PNG class-folder tree holds the images, and the CNN trained from it', async () => {
    const s = step(7);
    const trainDir = file('fashion-mnist-png/train');
    const folders = readdirSync(trainDir).sort();
    expect(folders).toEqual([...(s.folders as string[])].sort());
    const pngs = folders.flatMap((f) => readdirSync(join(trainDir, f)).map((p) => join(trainDir, f, p)));
    expect(pngs).toHaveLength(summary.sizes.pngTrain);
    expect(s.trainingSamples + s.validationSamples).toBe(summary.sizes.pngTrain);
    expect(s.testSamples).toBe(summary.sizes.pngTest);
    // A file holds the right image: decode the first training image and compare with the dataset.
    const { train } = datasets.fashionMnist();
    const firstFolder = (s.folders as string[])[train.y.data[0]];
    const png = join(trainDir, firstFolder, '00000.png');
    const meta = await sharp(png).metadata();
    expect([meta.format, meta.width, meta.height, meta.channels]).toEqual(['png', 28, 28, 1]); // 8-bit grayscale
    const { data } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect(Buffer.compare(data, Buffer.from(train.x.data.subarray(0, 784)))).toBe(0);
    expect(s.history.loss).toHaveLength(summary.sizes.cnnEpochs);
    expect(s.testAccuracy).toBeGreaterThan(0.2);
    await expectPicture('cnn-history.png', 400, 300);
  });

  it('step 8: saved models predict identically in kerno and in onnxruntime-node', async () => {
    const s = step(8);
    const exact = { maxAbsDiff: 0, argmaxAgreement: 1 };
    expect(s.mlp.loadModel).toEqual(exact);
    expect(s.mlp.loadWeights).toEqual(exact);
    expect(s.mlp.beforeLoadWeights.maxAbsDiff).toBeGreaterThan(0.01); // the check can tell models apart
    for (const p of [s.mlp.onnxruntime, s.cnn.onnxruntime] as Parity[]) {
      expect(p.maxAbsDiff).toBeLessThan(1e-4);
      expect(p.argmaxAgreement).toBe(1);
    }
    expect(s.loadedTestAccuracy).toBeCloseTo(step(4).testAccuracy, 12);

    // Independently of the tutorial's own figures: model.onnx in onnxruntime-node vs loadModel here.
    const { test } = datasets.fashionMnist();
    const x = test.x.slice(0, 64);
    const mine = (await (await loadModel(file('model.onnx'))).predict(x, { verbose: 0 })).data as Float32Array;
    const session = await ort.InferenceSession.create(file('model.onnx'));
    const theirs = (await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x.data), [64, 28, 28]) }))[session.outputNames[0]].data as Float32Array;
    expect(theirs).toHaveLength(mine.length);
    for (let i = 0; i < mine.length; i++) expect(Math.abs(theirs[i] - mine[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(mine[i]));
    for (const f of ['model.onnx', 'model.weights.onnx', 'cnn.onnx']) expect(statSync(file(f)).size).toBeGreaterThan(10_000);
  });

  it('the best model beats chance (10%) by far', () => {
    expect(summary.bestModel.testAccuracy).toBeGreaterThan(0.3);
  });

  it('rejects an unknown argument with the usage text and exit code 1', async () => {
    const r = await tutorial(['--bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Unknown argument "--bogus"');
    expect(r.stderr).toContain('Usage: npm run example');
  });
});
