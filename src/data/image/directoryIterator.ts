/**
 * flowFromDirectory's iterator (Keras's legacy DirectoryIterator): lists the class folders once,
 * then decodes, augments and standardises each batch on demand, two batches ahead, on the decode
 * workers (a preprocessingFunction, being user code, runs on the main thread).
 *
 * - Classes: sub-folders sorted by code point, or `classes` in the order given; files found
 *   recursively with Keras's walk order (fileList.ts).
 * - validationSplit v (from the generator): in each class the sorted list of n files is cut at
 *   floor(v·n) — the first part is subset 'validation', the rest 'training'.
 * - Labels: 'categorical' one-hot float32 (N, K); 'binary' and 'sparse' the class index as float32
 *   (N); 'input' the images themselves; null none (for predict).
 * - A file that cannot be decoded (empty, truncated, not an image, over `limitInputPixels`,
 *   unreadable, not a regular file) is skipped with one warning naming it — the batch is one
 *   sample shorter — or, with `onInvalidImage: 'throw'`, fails the batch with an ImageLoadError
 *   naming it. (Keras has no such option: PIL's error ends the epoch.)
 */
import path from 'node:path';
import { ValueError, expectedMessage } from '../../errors.js';
import { Tensor } from '../../tensor.js';
import { cooperate } from './cooperate.js';
import { LEGACY_FORMATS, checkDirectory, listClassNames, walkFiles } from './fileList.js';
import type { ImageDataGenerator } from './imageDataGenerator.js';
import { type ImageBatch, ImageIterator } from './imageIterator.js';
import { ImageLoadError } from './imageLoadError.js';
import { COLOR_MODES, type ColorMode, DEFAULT_LIMIT_INPUT_PIXELS, channelsOf } from './loadImage.js';
import { runDecodeJob } from './decodePool.js';
import { PIL_INTERPOLATIONS, type PilInterpolation } from './pilImage.js';
import {
  INVALID_IMAGE_POLICIES, type InvalidImagePolicy, bool, oneOf, options, positiveInt, seedOf, size2, worded,
} from './validate.js';

export type ClassMode = 'categorical' | 'binary' | 'sparse' | 'input' | null;
export const CLASS_MODES: readonly ClassMode[] = ['categorical', 'binary', 'sparse', 'input', null];

export interface FlowFromDirectoryArgs {
  /** [height, width] every image is resized to. Defaults to `[256, 256]`. */
  targetSize?: readonly [number, number];
  /** 'rgb' (3 channels), 'rgba' (4) or 'grayscale' (1), converted as PIL does. Defaults to `'rgb'`. */
  colorMode?: ColorMode;
  /** Class folder names, in label order. Defaults to the sub-folders sorted by code point. */
  classes?: readonly string[];
  /** Label encoding: 'categorical', 'binary', 'sparse', 'input' or null (no labels). Defaults to `'categorical'`. */
  classMode?: ClassMode;
  /** Images per batch. Defaults to `32`. */
  batchSize?: number;
  /** Visit the images in a new random order each epoch. Defaults to `true`. */
  shuffle?: boolean;
  /** Seed of the order and the augmentation. Defaults to the generator's seed, else the global seed stream. */
  seed?: number;
  /** Follow symbolic links to sub-folders. Defaults to `false`. */
  followLinks?: boolean;
  /** 'training' or 'validation' part of the generator's validationSplit. Defaults to all images. */
  subset?: 'training' | 'validation';
  /** PIL resampling filter used when an image's size differs from targetSize. Defaults to `'nearest'`. */
  interpolation?: PilInterpolation;
  /** Crop the centre to the target's aspect ratio before resizing. Defaults to `false`. */
  keepAspectRatio?: boolean;
  /** What to do with a file that cannot be decoded: 'skip' it with a warning, or 'throw' (kerno addition). Defaults to `'skip'`. */
  onInvalidImage?: InvalidImagePolicy;
  /** Refuse images with more pixels than this, before decoding (decompression bombs; kerno addition). Defaults to `268402689`. */
  limitInputPixels?: number;
}

const ARGS: readonly (keyof FlowFromDirectoryArgs)[] = [
  'targetSize', 'colorMode', 'classes', 'classMode', 'batchSize', 'shuffle', 'seed', 'followLinks', 'subset',
  'interpolation', 'keepAspectRatio', 'onInvalidImage', 'limitInputPixels',
];
const M = 'flowFromDirectory';
const o = (k: string): string => `${M}: option "${k}"`;

interface Settings {
  targetSize: [number, number];
  colorMode: ColorMode;
  classMode: ClassMode;
  interpolation: PilInterpolation;
  keepAspectRatio: boolean;
  onInvalidImage: InvalidImagePolicy;
  limitInputPixels: number;
  subset: 'training' | 'validation' | null;
}

export class DirectoryIterator extends ImageIterator {
  /** The folder given. */
  readonly directory: string;
  /** Class name → label index. */
  readonly classIndices: Readonly<Record<string, number>>;
  /** Number of classes (folders), including empty ones. */
  readonly numClasses: number;
  /** Number of images listed. */
  readonly samples: number;
  /** Paths relative to `directory` ('class/sub/file.png'), in listing order. */
  readonly filenames: readonly string[];
  /** Full paths, in listing order. */
  readonly filepaths: readonly string[];
  /** The label index of each file. */
  readonly classes: Int32Array;
  /** [height, width, channels] of each image in a batch. */
  readonly imageShape: readonly [number, number, number];
  readonly targetSize: readonly [number, number];
  readonly colorMode: ColorMode;
  readonly classMode: ClassMode;
  readonly interpolation: PilInterpolation;
  readonly subset: 'training' | 'validation' | null;
  readonly #gen: ImageDataGenerator;
  readonly #s: Settings;
  readonly #warned = new Set<string>();

  private constructor(directory: string, classNames: string[], files: string[], labels: number[], gen: ImageDataGenerator,
    s: Settings, batchSize: number, shuffle: boolean, seed: number | undefined) {
    super(files.length, batchSize, shuffle, seed, 'flowFromDirectory');
    this.directory = directory;
    this.classIndices = Object.freeze(Object.fromEntries(classNames.map((c, i) => [c, i])));
    this.numClasses = classNames.length;
    this.samples = files.length;
    this.filenames = Object.freeze(files);
    this.filepaths = Object.freeze(files.map((f) => path.join(directory, f)));
    this.classes = Int32Array.from(labels);
    this.imageShape = [s.targetSize[0], s.targetSize[1], channelsOf(s.colorMode)];
    this.targetSize = s.targetSize;
    this.colorMode = s.colorMode;
    this.classMode = s.classMode;
    this.interpolation = s.interpolation;
    this.subset = s.subset;
    this.#gen = gen;
    this.#s = s;
  }

  /** The label index of each file (Keras `labels`). */
  get labels(): Int32Array {
    return this.classes;
  }

  /** @internal Use ImageDataGenerator.flowFromDirectory. */
  static async create(directory: string, gen: ImageDataGenerator, args?: FlowFromDirectoryArgs): Promise<DirectoryIterator> {
    const a = options<FlowFromDirectoryArgs>(args, M, ARGS);
    const s: Settings = {
      targetSize: size2(o('targetSize'), a.targetSize, [256, 256]),
      colorMode: oneOf(o('colorMode'), a.colorMode, COLOR_MODES, 'rgb'),
      classMode: oneOf(o('classMode'), a.classMode, CLASS_MODES, 'categorical'),
      interpolation: oneOf(o('interpolation'), a.interpolation, PIL_INTERPOLATIONS, 'nearest'),
      keepAspectRatio: bool(o('keepAspectRatio'), a.keepAspectRatio, false),
      onInvalidImage: oneOf(o('onInvalidImage'), a.onInvalidImage, INVALID_IMAGE_POLICIES, 'skip'),
      limitInputPixels: positiveInt(o('limitInputPixels'), a.limitInputPixels, DEFAULT_LIMIT_INPUT_PIXELS),
      subset: oneOf(o('subset'), a.subset, ['training', 'validation', null], null),
    };
    const batchSize = positiveInt(o('batchSize'), a.batchSize, 32);
    const shuffle = bool(o('shuffle'), a.shuffle, true);
    const seed = seedOf(o('seed'), a.seed) ?? gen.seed;
    const followLinks = bool(o('followLinks'), a.followLinks, false);
    if (a.classes !== undefined && !(Array.isArray(a.classes) && a.classes.every((c) => typeof c === 'string' && c !== ''))) {
      throw new ValueError(expectedMessage(o('classes'), 'an array of class folder names', a.classes));
    }
    const dir = await checkDirectory(directory, `${M}: argument "directory"`);
    const classNames = a.classes && a.classes.length > 0 ? a.classes.slice() : await listClassNames(dir, false);
    if (classNames.length === 0) {
      throw new ValueError(worded(`${M}: argument "directory"`, 'a folder with one sub-folder per class', `"${dir}" with no sub-folders`,
        'Put each class\'s images in its own sub-folder, e.g. data/cats/*.jpg and data/dogs/*.jpg.'));
    }
    // Keras's split: validation = files [0, floor(v·n)), training = [floor(v·n), n) of each class.
    const v = gen.validationSplit;
    const files: string[] = [], labels: number[] = [];
    const warn = (m: string): void => console.warn(`${M}: ${m}`);
    for (let k = 0; k < classNames.length; k++) {
      const name = classNames[k];
      const list = await walkFiles(path.join(dir, name), { followLinks, formats: LEGACY_FORMATS, warn });
      const cut = Math.trunc(v * list.length);
      const part = s.subset === 'validation' ? list.slice(0, cut) : s.subset === 'training' ? list.slice(cut) : list;
      for (const f of part) {
        files.push(path.join(name, f));
        labels.push(k);
      }
      if (a.classes && list.length === 0) warn(`class folder "${path.join(dir, name)}" has no images.`);
    }
    console.log(`Found ${files.length} images belonging to ${classNames.length} classes.`);
    if (files.length === 0) {
      throw new ValueError(worded(`${M}: argument "directory"`, `images (${LEGACY_FORMATS.join(', ')}) in the class folders`,
        `"${dir}" with none${s.subset ? ` in subset '${s.subset}' (validationSplit ${v})` : ''}`));
    }
    return new DirectoryIterator(dir, classNames, files, labels, gen, s, batchSize, shuffle, seed);
  }

  protected async loadBatch(idx: Int32Array, epoch: number, start: number): Promise<ImageBatch | null> {
    const s = this.#s, gen = this.#gen;
    const [h, w, c] = this.imageShape;
    gen.checkFitChannels(c);
    const config = gen.config();
    const custom = gen.preprocessingFunction !== null; // user code runs here, not in a worker
    const items = await runDecodeJob({
      files: Array.from(idx, (j) => this.filepaths[j]),
      limitInputPixels: s.limitInputPixels,
      load: { kind: 'legacy', opts: { colorMode: s.colorMode, targetSize: s.targetSize, interpolation: s.interpolation, keepAspectRatio: s.keepAspectRatio } },
      proc: { config, key: this.augmentKey(epoch), positions: Array.from(idx, (_, i) => start + i), standardize: !custom },
    });
    if (!custom) gen.warnUnfit({ unfitMean: config.featurewiseCenter && !config.mean, unfitStd: config.featurewiseStdNormalization && !config.std });
    const keep: number[] = [], images: Float32Array[] = [];
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if ('error' in it) {
        this.#invalid(this.filepaths[idx[i]], it.error);
        continue;
      }
      if (custom) await cooperate();
      keep.push(i);
      images.push(custom ? gen.standardizeOwned(it.image).data : it.image.data);
    }
    if (keep.length === 0) return null;
    const per = h * w * c, x = new Float32Array(keep.length * per);
    images.forEach((im, r) => x.set(im, r * per));
    const xt = new Tensor(x, [keep.length, h, w, c]);
    return { x: xt, y: this.#labels(keep.map((i) => this.classes[idx[i]]), xt) };
  }

  /** Applies the onInvalidImage policy to a file that could not be loaded. */
  #invalid(file: string, message: string): void {
    const reason = message.replace(/^Could not load image ".*?": /s, '');
    if (this.#s.onInvalidImage === 'throw') throw new ImageLoadError(file, reason);
    if (this.#warned.has(file)) return;
    this.#warned.add(file);
    console.warn(`${M}: skipping "${file}": ${reason}`);
  }

  #labels(cls: number[], x: Tensor): Tensor | null {
    switch (this.classMode) {
      case 'categorical': {
        const y = new Float32Array(cls.length * this.numClasses);
        cls.forEach((k, r) => void (y[r * this.numClasses + k] = 1));
        return new Tensor(y, [cls.length, this.numClasses]);
      }
      case 'binary':
      case 'sparse':
        return new Tensor(Float32Array.from(cls), [cls.length]);
      case 'input':
        return new Tensor(Float32Array.from(x.data), x.shape);
      default:
        return null;
    }
  }

  protected emptyBatch(): ImageBatch {
    const [h, w, c] = this.imageShape;
    const x = new Tensor(new Float32Array(0), [0, h, w, c]);
    return { x, y: this.#labels([], x) };
  }
}
