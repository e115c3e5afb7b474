/**
 * The dataset imageDatasetFromDirectory returns: batches of decoded, resized float32 images with
 * their labels, iterable once per epoch with `for await` (and so by model.fit/evaluate/predict),
 * with the same prefetching as the legacy iterators. When `shuffle` is on, each pass visits the
 * files in a new order (Keras reshuffles its tf.data pipeline each epoch too, within a buffer of
 * 8 batches; kerno shuffles fully).
 */
import { Tensor } from '../../tensor.js';
import { runDecodeJob } from './decodePool.js';
import { type ImageBatch, ImageIterator } from './imageIterator.js';
import { ImageLoadError } from './imageLoadError.js';
import { type ColorMode, channelsOf } from './loadImage.js';
import type { TfInterpolation } from './tfResize.js';
import type { InvalidImagePolicy } from './validate.js';

export type LabelMode = 'int' | 'categorical' | 'binary' | null;

/** @internal What imageDatasetFromDirectory decided. */
export interface DatasetSpec {
  filePaths: string[];
  labels: Int32Array | null;
  classNames: string[] | null;
  labelMode: LabelMode;
  colorMode: ColorMode;
  imageSize: readonly [number, number];
  interpolation: TfInterpolation;
  cropToAspectRatio: boolean;
  batchSize: number;
  shuffle: boolean;
  seed: number;
  onInvalidImage: InvalidImagePolicy;
  limitInputPixels: number;
}

export class ImageDataset extends ImageIterator {
  /** Full paths of the files, in dataset order (Keras `file_paths`). */
  readonly filePaths: readonly string[];
  /** The label index of each file, or null with labelMode null. */
  readonly labels: Int32Array | null;
  /** Class names in label order (Keras `class_names`), or null without labels. */
  readonly classNames: readonly string[] | null;
  readonly labelMode: LabelMode;
  /** [height, width, channels] of each image in a batch. */
  readonly imageShape: readonly [number, number, number];
  readonly #s: DatasetSpec;
  readonly #warned = new Set<string>();

  /** @internal Use imageDatasetFromDirectory. */
  constructor(s: DatasetSpec) {
    super(s.filePaths.length, s.batchSize, s.shuffle, s.seed, 'imageDatasetFromDirectory');
    this.filePaths = Object.freeze(s.filePaths.slice());
    this.labels = s.labels;
    this.classNames = s.classNames ? Object.freeze(s.classNames.slice()) : null;
    this.labelMode = s.labelMode;
    this.imageShape = [s.imageSize[0], s.imageSize[1], channelsOf(s.colorMode)];
    this.#s = s;
  }

  protected async loadBatch(idx: Int32Array): Promise<ImageBatch | null> {
    const s = this.#s;
    const items = await runDecodeJob({
      files: Array.from(idx, (j) => s.filePaths[j]),
      limitInputPixels: s.limitInputPixels,
      load: { kind: 'modern', opts: { colorMode: s.colorMode, imageSize: s.imageSize, interpolation: s.interpolation, cropToAspectRatio: s.cropToAspectRatio } },
    });
    const keep: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (!('error' in it)) {
        keep.push(i);
        continue;
      }
      const file = s.filePaths[idx[i]], reason = it.error.replace(/^Could not load image ".*?": /s, '');
      if (s.onInvalidImage === 'throw') throw new ImageLoadError(file, reason);
      if (!this.#warned.has(file)) {
        this.#warned.add(file);
        console.warn(`imageDatasetFromDirectory: skipping "${file}": ${reason}`);
      }
    }
    if (keep.length === 0) return null;
    const [h, w, c] = this.imageShape, per = h * w * c;
    const x = new Float32Array(keep.length * per);
    keep.forEach((i, r) => x.set((items[i] as { image: { data: Float32Array } }).image.data, r * per));
    return { x: new Tensor(x, [keep.length, h, w, c]), y: this.#labels(keep.map((i) => idx[i])) };
  }

  #labels(rows: number[]): Tensor | null {
    const labels = this.labels;
    if (!labels || this.labelMode === null) return null;
    const n = rows.length;
    if (this.labelMode === 'int') return new Tensor(Int32Array.from(rows, (j) => labels[j]), [n]);
    if (this.labelMode === 'binary') return new Tensor(Float32Array.from(rows, (j) => labels[j]), [n, 1]);
    const k = this.classNames!.length, y = new Float32Array(n * k);
    // tf.one_hot gives a zero row for a label ≥ k (explicit labels with gaps).
    rows.forEach((j, r) => void (labels[j] < k && (y[r * k + labels[j]] = 1)));
    return new Tensor(y, [n, k]);
  }

  protected emptyBatch(): ImageBatch {
    const [h, w, c] = this.imageShape;
    return { x: new Tensor(new Float32Array(0), [0, h, w, c]), y: this.#labels([]) };
  }
}
