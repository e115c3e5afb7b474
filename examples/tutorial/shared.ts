/**
 * What every step of the tutorial shares: the command-line options, the run sizes (full or
 * quick), the loaded data, the MLP they all start from, and small printing helpers. Nothing here
 * is kerno-specific beyond the public API; the ML lives in the numbered step files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

import { Sequential, type Tensor, layers, setSeed } from '../../src/index.js';

// ------------------------------------------------------------------------------ options

export const USAGE = `Usage: npm run example -- [DATA_DIR] [--quick] [--out DIR] [--data DIR]

  DATA_DIR, --data DIR  a folder with the four Fashion-MNIST IDX files (gzipped or not), e.g.
                        /usr/share/datasets/fashion-mnist. Default: the 10,000 + 2,000 image subset
                        shipped in data/fashion-mnist.
  --quick               a smoke run: small subsets and 1-2 epochs per step (also KERNO_TUTORIAL_QUICK=1).
  --out DIR             where outputs go. Default: ./outputs.
  --help                this text.`;

/** A bad command-line argument (printed without a stack trace). */
export class UsageError extends Error {}

export interface Options {
  /** Small subsets and 1–2 epochs per step (the test runs this). Defaults to false. */
  quick: boolean;
  /** Output folder, absolute. Defaults to `<cwd>/outputs`. */
  outDir: string;
  /** Fashion-MNIST folder; undefined = the subset shipped with kerno. */
  dataPath: string | undefined;
}

/** Parses `argv` (without node and the script); throws a UsageError on a bad argument. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Options | 'help' {
  let quick = env.KERNO_TUTORIAL_QUICK === '1' || env.KERNO_TUTORIAL_QUICK === 'true';
  let outDir = 'outputs';
  let dataPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${a} expects a folder.\n\n${USAGE}`);
      return v;
    };
    if (a === '--help' || a === '-h') return 'help';
    else if (a === '--quick') quick = true;
    else if (a === '--out') outDir = value();
    else if (a === '--data') dataPath = value();
    else if (!a.startsWith('-') && dataPath === undefined) dataPath = a;
    else throw new UsageError(`Unknown argument ${JSON.stringify(a)}.\n\n${USAGE}`);
  }
  return { quick, outDir: isAbsolute(outDir) ? outDir : resolve(outDir), dataPath };
}

// ------------------------------------------------------------------------------ sizes

/**
 * How much each step trains. The full run takes a few minutes on 2 cores; the quick run is a
 * smoke test of every step (its accuracies are only "better than chance").
 */
export interface Sizes {
  /** Training / test images used by every step (the first N of each split). */
  train: number;
  test: number;
  /** Step 2: images and epochs of the three gradient-descent flavours (batch size 1 is the slow one). */
  gdSamples: number;
  gdEpochs: number;
  /** Step 3: epochs per optimizer. */
  optimizerEpochs: number;
  /** Step 5: the epoch budget EarlyStopping cuts short, and the two patiences. */
  callbackMaxEpochs: number;
  earlyStoppingPatience: number;
  reduceLrPatience: number;
  /** Step 6: epochs of each of the two imbalanced runs. */
  classWeightEpochs: number;
  /** Step 7: images written as PNG files (training and test trees), and CNN epochs. */
  pngTrain: number;
  pngTest: number;
  cnnEpochs: number;
}

export function sizesFor(quick: boolean, nTrain: number, nTest: number): Sizes {
  const cap = (n: number, total: number) => Math.min(n, total);
  if (quick) {
    return {
      train: cap(2000, nTrain), test: cap(500, nTest), gdSamples: cap(500, nTrain), gdEpochs: 2, optimizerEpochs: 2,
      callbackMaxEpochs: 4, earlyStoppingPatience: 1, reduceLrPatience: 1, classWeightEpochs: 2,
      pngTrain: cap(600, nTrain), pngTest: cap(200, nTest), cnnEpochs: 1,
    };
  }
  // With the full 60,000-image dataset the array steps use all of it; the two that would grow
  // slow (batch size 1, writing PNG files) stay at 10,000 images.
  return {
    train: nTrain, test: nTest, gdSamples: cap(10_000, nTrain), gdEpochs: 5, optimizerEpochs: 10,
    callbackMaxEpochs: 40, earlyStoppingPatience: 4, reduceLrPatience: 2, classWeightEpochs: 10,
    pngTrain: cap(10_000, nTrain), pngTest: cap(2000, nTest), cnnEpochs: 8,
  };
}

// ------------------------------------------------------------------------------ context

/** The data every step uses, loaded and encoded by step 1. */
export interface Data {
  /** uint8 images [N, 28, 28], 0–255 (the models rescale them). */
  xTrain: Tensor;
  /** Integer labels [N] and their one-hot encoding [N, 10]. */
  yTrain: Tensor;
  yTrainOneHot: Tensor;
  xTest: Tensor;
  yTest: Tensor;
  yTestOneHot: Tensor;
  classNames: string[];
}

export interface Tutorial {
  readonly options: Options;
  readonly sizes: Sizes;
  /** Progress output of the single "real" trainings (comparisons run silently and print a table). */
  readonly verbose: 0 | 1;
  /** Path of an output file (or folder) under the output folder. */
  out(name: string): string;
}

export function makeTutorial(options: Options, sizes: Sizes): Tutorial {
  mkdirSync(options.outDir, { recursive: true });
  return { options, sizes, verbose: 1, out: (name) => join(options.outDir, name) };
}

// ------------------------------------------------------------------------------ the model

/** The seed every model starts from, so runs compared in a step start from the same weights. */
export const SEED = 42;

/**
 * The tutorial's MLP: pixels scaled to [0, 1] inside the model (so it takes the raw uint8
 * images, and so does its ONNX export), flattened, `hidden` ReLU layers, a softmax over the 10
 * classes. Built from `seed`: the same seed gives the same initial weights.
 */
export function mlp(hidden: readonly number[] = [256, 128], seed = SEED): Sequential {
  setSeed(seed);
  return new Sequential([
    new layers.Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
    new layers.Flatten(),
    ...hidden.map((units) => new layers.Dense({ units, activation: 'relu' })),
    new layers.Dense({ units: 10, activation: 'softmax' }),
  ]);
}

// ------------------------------------------------------------------------------ printing

export function heading(step: number, title: string, point: string): void {
  console.log(`\n${'═'.repeat(100)}\nStep ${step}. ${title}\n${point}\n${'═'.repeat(100)}`);
}

/** Prints a table with a header rule; numbers are right-aligned. Returns the text. */
export function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const numeric = headers.map((_, c) => rows.every((r) => typeof r[c] === 'number' || /^[-+]?[\d.,]+[%s×]?$|^—$/.test(String(r[c]))));
  const line = (r: string[]) => r.map((v, c) => (numeric[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ').trimEnd();
  const text = [line(cells[0]), widths.map((w) => '─'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
  console.log(text);
  return text;
}

export const fixed = (v: number, digits = 4): string => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
export const percent = (v: number, digits = 1): string => `${(100 * v).toFixed(digits)}%`;
export const secs = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

/** Runs `fn` and returns its result with the wall time in milliseconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** Accuracy of argmaxed predictions [N, 10] against integer labels. */
export function accuracyOf(predictions: Tensor, labels: Tensor): number {
  const p = predictions.argMax(-1).data;
  let hits = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === labels.data[i]) hits++;
  return hits / p.length;
}

/** Images per class: counts[c] = how many labels equal c. */
export function classCounts(labels: Tensor, classes = 10): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const v of labels.data) counts[v]++;
  return counts;
}

/** What each step hands back to the driver: its results for summary.json and the files it wrote. */
export interface StepResult {
  title: string;
  /** Output files, relative to the output folder. */
  outputs: string[];
  [key: string]: unknown;
}
