/**
 * `datasets.fashionMnist()`: Keras's `keras.datasets.fashion_mnist.load_data()` for Node, without a
 * download: the real dataset from a folder, or the 10,000 + 2,000 image subset shipped in
 * data/fashion-mnist/ (see its README for provenance and class balance).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValueError } from '../../errors.js';
import type { Tensor } from '../../tensor.js';
import { readIdx } from '../idx.js';

/** Class names by label, as in Keras's and Zalando's documentation. */
const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

// src/data/datasets/ and dist/data/datasets/ both sit three levels below the package root.
const SHIPPED = join(fileURLToPath(new URL('../../../', import.meta.url)), 'data', 'fashion-mnist');

export interface FashionMnistOptions {
  /**
   * A folder holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`
   * and `t10k-labels-idx1-ubyte`, each gzipped (`.gz`) or not — e.g. Debian's
   * `/usr/share/datasets/fashion-mnist` (`apt-get install dataset-fashion-mnist`) or the files from
   * https://github.com/zalandoresearch/fashion-mnist. Default: the subset shipped with kerno
   * (first 10,000 training and first 2,000 test images).
   */
  path?: string;
}

/** Images and labels of one split. */
export interface FashionMnistSplit {
  /** Images, uint8 [N, 28, 28], pixel values 0–255 (divide by 255, e.g. with a Rescaling layer). */
  x: Tensor;
  /** Labels, uint8 [N], class indices 0–9 (see `classNames`). */
  y: Tensor;
}

export interface FashionMnist {
  train: FashionMnistSplit;
  test: FashionMnistSplit;
  /** `classNames[label]`: 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'. */
  classNames: string[];
}

const WHERE = 'datasets.fashionMnist(path)';

function locate(folder: string, base: string): string {
  for (const name of [`${base}.gz`, base]) {
    const p = join(folder, name);
    if (existsSync(p)) return p;
  }
  throw new ValueError(
    `${WHERE} expected a folder holding ${base}.gz or ${base}, received ${JSON.stringify(folder)}, which has neither.`,
  );
}

function loadSplit(folder: string, prefix: 'train' | 't10k'): FashionMnistSplit {
  const x = readIdx(locate(folder, `${prefix}-images-idx3-ubyte`));
  const y = readIdx(locate(folder, `${prefix}-labels-idx1-ubyte`));
  const file = (kind: string): string => `${prefix}-${kind} in ${JSON.stringify(folder)}`;
  if (x.dtype !== 'uint8' || x.rank !== 3 || x.shape[1] !== 28 || x.shape[2] !== 28) {
    throw new ValueError(`${WHERE} expected uint8 images of shape [N, 28, 28], received ${x.dtype} [${x.shape.join(', ')}] (${file('images')}).`);
  }
  if (y.dtype !== 'uint8' || y.rank !== 1 || y.shape[0] !== x.shape[0]) {
    throw new ValueError(
      `${WHERE} expected uint8 labels of shape [${x.shape[0]}] (one per image), received ${y.dtype} [${y.shape.join(', ')}] (${file('labels')}).`,
    );
  }
  const bad = y.data.findIndex((v) => v >= CLASS_NAMES.length);
  if (bad >= 0) {
    throw new ValueError(`${WHERE} expected labels in [0, 9], received ${y.data[bad]} at index ${bad} (${file('labels')}).`);
  }
  return { x, y };
}

/**
 * Loads Fashion-MNIST: 28×28 grayscale images of 10 kinds of clothing, as
 * `keras.datasets.fashion_mnist.load_data()` does (uint8 images and labels, no scaling), from
 * `path` or, by default, from the subset shipped with kerno.
 * @throws ValueError when a file is missing, malformed or of the wrong shape.
 */
export function fashionMnist(options: FashionMnistOptions = {}): FashionMnist {
  if (typeof options !== 'object' || options === null) {
    throw new ValueError(`datasets.fashionMnist(options) expected an object {path?}, received ${String(options)}.`);
  }
  const { path } = options;
  if (path !== undefined && typeof path !== 'string') {
    throw new ValueError(`${WHERE} expected a folder path string, received ${typeof path}.`);
  }
  const folder = path ?? SHIPPED;
  return { train: loadSplit(folder, 'train'), test: loadSplit(folder, 't10k'), classNames: CLASS_NAMES.slice() };
}
