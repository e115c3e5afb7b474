/**
 * flow's iterator (Keras's legacy NumpyArrayIterator): batches of in-memory images
 * (N, H, W, C), each randomly transformed and standardised by the generator, with their labels
 * and sample weights gathered in the same order.
 *
 * With `subset`, the generator's validationSplit v cuts the arrays at floor(v·N): the first part
 * is 'validation', the rest 'training'; as in Keras, both parts must contain the same set of
 * label values unless `ignoreClassSplit` (sorted labels would otherwise put whole classes on one
 * side).
 */
import { ShapeError, ValueError, expectedMessage } from '../../errors.js';
import { Tensor, type TensorLike, toTensor } from '../../tensor.js';
import { cooperate } from './cooperate.js';
import type { ImageDataGenerator } from './imageDataGenerator.js';
import { type ImageBatch, ImageIterator } from './imageIterator.js';
import { bool, oneOf, options, positiveInt, seedOf, worded } from './validate.js';

export interface FlowArgs {
  /** Images per batch. Defaults to `32`. */
  batchSize?: number;
  /** Visit the images in a new random order each epoch. Defaults to `true`. */
  shuffle?: boolean;
  /** Weight of each sample, yielded with its batch. Defaults to none. */
  sampleWeight?: TensorLike | null;
  /** Seed of the order and the augmentation. Defaults to the generator's seed, else the global seed stream. */
  seed?: number;
  /** Skip the check that both subsets hold the same label values. Defaults to `false`. */
  ignoreClassSplit?: boolean;
  /** 'training' or 'validation' part of the generator's validationSplit. Defaults to all images. */
  subset?: 'training' | 'validation';
}

const ARGS: readonly (keyof FlowArgs)[] = ['batchSize', 'shuffle', 'sampleWeight', 'seed', 'ignoreClassSplit', 'subset'];
const M = 'flow';
const o = (k: string): string => `${M}: option "${k}"`;

function uniqueValues(t: Tensor, from: number, to: number): string {
  const per = t.shape[0] === 0 ? 0 : t.size / t.shape[0];
  return [...new Set(Array.from(t.data.subarray(from * per, to * per)))].sort((a, b) => a - b).join(',');
}

export class ArrayIterator extends ImageIterator {
  /** The images used (after the subset cut), float32 (N, H, W, C). */
  readonly x: Tensor;
  /** The labels used, or null. */
  readonly y: Tensor | null;
  /** The sample weights used, or null. */
  readonly sampleWeight: Float32Array | null;
  readonly subset: 'training' | 'validation' | null;
  readonly #gen: ImageDataGenerator;

  /** @internal Use ImageDataGenerator.flow. */
  constructor(x: Tensor | TensorLike, y: Tensor | TensorLike | null, gen: ImageDataGenerator, args?: FlowArgs) {
    const a = options<FlowArgs>(args, M, ARGS);
    const batchSize = positiveInt(o('batchSize'), a.batchSize, 32);
    const shuffle = bool(o('shuffle'), a.shuffle, true);
    const seed = seedOf(o('seed'), a.seed) ?? gen.seed;
    const ignore = bool(o('ignoreClassSplit'), a.ignoreClassSplit, false);
    const subset = oneOf(o('subset'), a.subset, ['training', 'validation', null], null);
    let xt = toTensor(x as TensorLike, `${M}: argument "x"`);
    if (xt.rank !== 4) throw new ShapeError(worded(`${M}: argument "x"`, 'images of rank 4 [N, height, width, channels]', `shape [${xt.shape.join(', ')}]`));
    let yt = y === null || y === undefined ? null : toTensor(y as TensorLike, `${M}: argument "y"`);
    const n = xt.shape[0];
    if (yt && (yt.rank === 0 || yt.shape[0] !== n)) {
      throw new ShapeError(worded(`${M}: argument "y"`, `${n} labels (one per image)`, `shape [${yt.shape.join(', ')}]`));
    }
    let w = a.sampleWeight === undefined || a.sampleWeight === null ? null : toTensor(a.sampleWeight, o('sampleWeight')).asFloat32();
    if (w && w.length !== n) throw new ShapeError(expectedMessage(o('sampleWeight'), `${n} weights (one per image)`, w));
    if (subset) {
      const cut = Math.trunc(n * gen.validationSplit);
      if (yt && !ignore && uniqueValues(yt, 0, cut) !== uniqueValues(yt, cut, n)) {
        throw new ValueError(worded(o('subset'), 'training and validation subsets with the same label values',
          'subsets whose labels differ after the split', 'If your arrays are sorted by label, shuffle them first, or pass ignoreClassSplit: true.'));
      }
      const [lo, hi] = subset === 'validation' ? [0, cut] : [cut, n];
      xt = xt.slice(lo, hi);
      yt = yt ? yt.slice(lo, hi) : null;
      w = w ? w.subarray(lo, hi) : null;
    }
    const ch = xt.shape[3];
    if (![1, 3, 4].includes(ch)) console.warn(`${M}: expected images with 1, 3 or 4 channels (channels last), received ${ch} channels.`);
    super(xt.shape[0], batchSize, shuffle, seed, 'flow');
    this.x = xt.dtype === 'float32' ? xt : new Tensor(xt.asFloat32(), xt.shape);
    this.y = yt;
    this.sampleWeight = w;
    this.subset = subset;
    this.#gen = gen;
  }

  protected async loadBatch(idx: Int32Array, epoch: number, start: number): Promise<ImageBatch | null> {
    const [, h, w, c] = this.x.shape;
    const per = h * w * c, out = new Float32Array(idx.length * per), src = this.x.data as Float32Array;
    for (let i = 0; i < idx.length; i++) {
      await cooperate(); // augmentation is synchronous work: let timers and I/O run between images
      const im = { data: src.slice(idx[i] * per, (idx[i] + 1) * per), height: h, width: w, channels: c };
      out.set(this.#gen.process(im, () => this.rngFor(epoch, start + i)).data, i * per);
    }
    const batch: ImageBatch = { x: new Tensor(out, [idx.length, h, w, c]), y: this.y ? this.y.gather(idx) : null };
    if (this.sampleWeight) batch.sampleWeight = Float32Array.from(idx, (j) => this.sampleWeight![j]);
    return batch;
  }

  protected emptyBatch(): ImageBatch {
    const [, h, w, c] = this.x.shape;
    return { x: new Tensor(new Float32Array(0), [0, h, w, c]), y: this.y ? this.y.slice(0, 0) : null };
  }
}
