/**
 * Draws the README's example pictures: a 10-class confusion matrix (Fashion-MNIST class names,
 * synthetic predictions with the usual shirt/T-shirt/pullover/coat confusions) and a training
 * history with two ReduceLROnPlateau steps.
 *
 * Run: npx tsx scripts/make-doc-images.ts   → docs/images/confusion_matrix.png, docs/images/history.png
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { confusionMatrix } from '../src/metrics/index.js';
import { plotConfusionMatrix, plotHistory, savePlot } from '../src/plot/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'images');

/** Deterministic uniform [0, 1) numbers (mulberry32), so the pictures are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** 1000 test labels and predictions of a ~88%-accurate Fashion-MNIST classifier. */
export function fashionPredictions(seed = 7): { yTrue: number[]; yPred: number[] } {
  const rand = rng(seed);
  // Typical confusions: which classes a class is mistaken for.
  const confusions: Record<number, number[]> = { 0: [6, 6, 3, 2], 2: [4, 4, 6, 6], 4: [2, 6, 6, 3], 6: [0, 0, 2, 4], 3: [4, 0, 6], 5: [7, 9], 7: [5, 9, 9], 9: [7, 5] };
  const accuracy = [0.86, 0.97, 0.82, 0.9, 0.84, 0.96, 0.66, 0.95, 0.98, 0.95];
  const yTrue: number[] = [];
  const yPred: number[] = [];
  for (let i = 0; i < 1000; i++) {
    const c = i % 10;
    yTrue.push(c);
    if (rand() < accuracy[c]) yPred.push(c);
    else {
      const options = confusions[c] ?? [(c + 1) % 10, (c + 9) % 10];
      yPred.push(rand() < 0.85 ? options[Math.floor(rand() * options.length)] : Math.floor(rand() * 10));
    }
  }
  return { yTrue, yPred };
}

/** A 30-epoch history shaped like Keras's, with learning_rate dropping at epochs 14 and 23. */
export function exampleHistory(seed = 3): { history: Record<string, number[]>; epoch: number[] } {
  const rand = rng(seed);
  const h: Record<string, number[]> = { loss: [], accuracy: [], val_loss: [], val_accuracy: [], learning_rate: [] };
  for (let e = 0; e < 30; e++) {
    const lr = e < 13 ? 1e-3 : e < 22 ? 1e-4 : 1e-5;
    const boost = e >= 13 ? 0.05 + (e >= 22 ? 0.01 : 0) : 0;
    const loss = 0.95 * Math.exp(-e / 5) + 0.22 - boost * 0.9 + (rand() - 0.5) * 0.012;
    const valLoss = 0.75 * Math.exp(-e / 4) + 0.31 + Math.max(0, e - 9) * 0.004 - boost * 0.5 + (rand() - 0.5) * 0.02;
    h.loss.push(loss);
    h.val_loss.push(valLoss);
    h.accuracy.push(1 - loss * 0.38 + (rand() - 0.5) * 0.004);
    h.val_accuracy.push(1 - valLoss * 0.37 + (rand() - 0.5) * 0.008);
    h.learning_rate.push(lr);
  }
  return { history: h, epoch: h.loss.map((_, i) => i) };
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const { yTrue, yPred } = fashionPredictions();
  const cm = confusionMatrix(yTrue, yPred);
  const cmSvg = plotConfusionMatrix(cm, { labels: FASHION, title: 'Fashion-MNIST confusion matrix' });
  await savePlot(cmSvg, join(out, 'confusion_matrix.png'), { scale: 2 });
  const histSvg = plotHistory(exampleHistory(), { title: 'Training history' });
  await savePlot(histSvg, join(out, 'history.png'), { scale: 2 });
  console.log(`wrote ${join(out, 'confusion_matrix.png')} and ${join(out, 'history.png')}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
