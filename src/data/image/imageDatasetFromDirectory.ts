/**
 * imageDatasetFromDirectory: Keras's modern loader (keras/src/utils/image_dataset_utils.py and
 * dataset_utils.index_directory).
 *
 * - Classes: sub-folders not starting with '.', sorted by code point (or `classNames`); files
 *   found recursively (bmp, gif, jpeg, jpg, png) in Keras's walk order.
 * - With `shuffle` (default) the whole file list is shuffled once with numpy's
 *   RandomState(seed) — bit-exact, so the same seed gives the same files as Keras — and the
 *   **last** floor(v·n) files are the validation subset. A split with shuffling needs a seed, so
 *   the two subsets do not overlap.
 * - Images: decoded, converted to the color mode, optionally centre-cropped to the target aspect
 *   ratio, resized with tf.image.resize (float32, not rounded).
 * - Labels: 'int' int32 (N), 'categorical' one-hot float32 (N, K), 'binary' float32 (N, 1) (exactly
 *   2 classes), null none.
 */
import path from 'node:path';
import { ValueError, expectedMessage } from '../../errors.js';
import { nextSeed } from '../../random.js';
import { DATASET_FORMATS, checkDirectory, listClassNames, walkFiles } from './fileList.js';
import { ImageDataset, type LabelMode } from './imageDataset.js';
import { COLOR_MODES, type ColorMode, DEFAULT_LIMIT_INPUT_PIXELS } from './loadImage.js';
import { numpyShuffle } from './numpyShuffle.js';
import { TF_INTERPOLATIONS, type TfInterpolation } from './tfResize.js';
import {
  INVALID_IMAGE_POLICIES, type InvalidImagePolicy, bool, oneOf, options, positiveInt, seedOf, size2, split, worded,
} from './validate.js';

export interface ImageDatasetFromDirectoryArgs {
  /** 'inferred' from the class folders, null for none, or one integer label per file in listing order. Defaults to `'inferred'`. */
  labels?: 'inferred' | null | readonly number[];
  /** 'int', 'categorical', 'binary' or null (no labels). Defaults to `'int'`. */
  labelMode?: LabelMode;
  /** Class folder names in label order (a subset of the folders). Defaults to all folders sorted by code point. */
  classNames?: readonly string[];
  /** 'rgb' (3 channels), 'rgba' (4) or 'grayscale' (1). Defaults to `'rgb'`. */
  colorMode?: ColorMode;
  /** Images per batch. Defaults to `32`. */
  batchSize?: number;
  /** [height, width] every image is resized to. Defaults to `[256, 256]`. */
  imageSize?: readonly [number, number];
  /** Shuffle the file list (and each epoch's order). Defaults to `true`. */
  shuffle?: boolean;
  /** Seed of the shuffles; required with validationSplit and shuffle. Defaults to a random one. */
  seed?: number;
  /** Fraction of the files held out as the validation subset. Defaults to none. */
  validationSplit?: number;
  /** 'training', 'validation' or 'both' (resolves to [training, validation]); needed with validationSplit. */
  subset?: 'training' | 'validation' | 'both';
  /** tf.image.resize method: 'bilinear', 'nearest' or 'bicubic'. Defaults to `'bilinear'`. */
  interpolation?: TfInterpolation;
  /** Follow symbolic links to sub-folders. Defaults to `false`. */
  followLinks?: boolean;
  /** Crop the largest centred window with the target's aspect ratio before resizing. Defaults to `false`. */
  cropToAspectRatio?: boolean;
  /** Print what was found. Defaults to `true`. */
  verbose?: boolean;
  /** What to do with a file that cannot be decoded: 'skip' it with a warning, or 'throw' (kerno addition). Defaults to `'skip'`. */
  onInvalidImage?: InvalidImagePolicy;
  /** Refuse images with more pixels than this, before decoding (kerno addition). Defaults to `268402689`. */
  limitInputPixels?: number;
}

const ARGS: readonly (keyof ImageDatasetFromDirectoryArgs)[] = [
  'labels', 'labelMode', 'classNames', 'colorMode', 'batchSize', 'imageSize', 'shuffle', 'seed', 'validationSplit', 'subset',
  'interpolation', 'followLinks', 'cropToAspectRatio', 'verbose', 'onInvalidImage', 'limitInputPixels',
];
const M = 'imageDatasetFromDirectory';
const o = (k: string): string => `${M}: option "${k}"`;

/**
 * Lists a class-folder tree and returns a dataset of image batches (Keras
 * `image_dataset_from_directory`); with subset 'both', a [training, validation] pair.
 */
export async function imageDatasetFromDirectory(directory: string, args: ImageDatasetFromDirectoryArgs & { subset: 'both' }): Promise<[ImageDataset, ImageDataset]>;
export async function imageDatasetFromDirectory(directory: string, args?: ImageDatasetFromDirectoryArgs): Promise<ImageDataset>;
export async function imageDatasetFromDirectory(directory: string, args?: ImageDatasetFromDirectoryArgs): Promise<ImageDataset | [ImageDataset, ImageDataset]> {
  const a = options<ImageDatasetFromDirectoryArgs>(args, M, ARGS);
  const labelsArg = a.labels === undefined ? 'inferred' : a.labels;
  if (!(labelsArg === 'inferred' || labelsArg === null || (Array.isArray(labelsArg) && labelsArg.every((l) => Number.isSafeInteger(l) && l >= 0)))) {
    throw new ValueError(expectedMessage(o('labels'), "'inferred', null, or an array of non-negative integer labels", labelsArg));
  }
  let labelMode = oneOf(o('labelMode'), a.labelMode, ['int', 'categorical', 'binary', null] as LabelMode[], 'int');
  if (labelsArg === null) labelMode = null;
  const colorMode = oneOf(o('colorMode'), a.colorMode, COLOR_MODES, 'rgb');
  const batchSize = positiveInt(o('batchSize'), a.batchSize, 32);
  const imageSize = size2(o('imageSize'), a.imageSize, [256, 256]);
  const shuffle = bool(o('shuffle'), a.shuffle, true);
  const interpolation = oneOf(o('interpolation'), a.interpolation, TF_INTERPOLATIONS, 'bilinear');
  const followLinks = bool(o('followLinks'), a.followLinks, false);
  const cropToAspectRatio = bool(o('cropToAspectRatio'), a.cropToAspectRatio, false);
  const verbose = bool(o('verbose'), a.verbose, true);
  const onInvalidImage = oneOf(o('onInvalidImage'), a.onInvalidImage, INVALID_IMAGE_POLICIES, 'skip');
  const limitInputPixels = positiveInt(o('limitInputPixels'), a.limitInputPixels, DEFAULT_LIMIT_INPUT_PIXELS);
  const v = a.validationSplit === undefined ? 0 : split(o('validationSplit'), a.validationSplit);
  if (a.validationSplit !== undefined && !(v > 0)) throw new ValueError(expectedMessage(o('validationSplit'), 'a number in (0, 1)', a.validationSplit));
  const subset = oneOf(o('subset'), a.subset, ['training', 'validation', 'both', null], null);
  if ((v > 0) !== (subset !== null)) {
    throw new ValueError(worded(o('subset'), 'validationSplit and subset given together', `validationSplit ${a.validationSplit} and subset ${subset}`));
  }
  let seed = seedOf(o('seed'), a.seed);
  if (v > 0 && shuffle && seed === undefined) {
    throw new ValueError(expectedMessage(o('seed'), 'a seed when using validationSplit with shuffle (so that training and validation do not overlap)', undefined));
  }
  seed ??= Number(nextSeed() % 1000000n); // Keras: np.random.randint(1e6)
  if (a.classNames !== undefined && (labelsArg !== 'inferred' || !Array.isArray(a.classNames))) {
    throw new ValueError(expectedMessage(o('classNames'), "an array of folder names, only with labels 'inferred'", a.classNames));
  }

  const dir = await checkDirectory(directory, `${M}: argument "directory"`);
  let classNames: string[] = [''];
  if (labelsArg === 'inferred') {
    const folders = await listClassNames(dir, true);
    if (a.classNames) {
      const missing = a.classNames.filter((c) => !folders.includes(c));
      if (missing.length > 0) throw new ValueError(worded(o('classNames'), `names of sub-folders (${folders.join(', ')})`, `"${missing[0]}"`));
      classNames = a.classNames.slice();
    } else classNames = folders;
  }
  const warn = (m: string): void => console.warn(`${M}: ${m}`);
  let files: string[] = [], labels: number[] = [];
  for (let k = 0; k < classNames.length; k++) {
    for (const f of await walkFiles(path.join(dir, classNames[k]), { followLinks, formats: DATASET_FORMATS, warn })) {
      files.push(path.join(dir, classNames[k], f));
      labels.push(k);
    }
  }
  let names: string[] | null = classNames;
  if (Array.isArray(labelsArg)) {
    if (labelsArg.length !== files.length) {
      throw new ValueError(worded(o('labels'), `one label per file (${files.length} files found)`, `${labelsArg.length} labels`));
    }
    labels = labelsArg.slice();
    names = [...new Set(labels)].sort((x, y) => x - y).map(String);
  } else if (labelsArg === null) names = null;
  if (verbose) console.log(names === null ? `Found ${files.length} files.` : `Found ${files.length} files belonging to ${names.length} classes.`);
  if (labelMode === 'binary' && names?.length !== 2) {
    throw new ValueError(worded(o('labelMode'), "exactly 2 classes with 'binary'", `${names?.length ?? 0} classes`));
  }
  if (shuffle) {
    // index_directory shuffles the paths and the labels with two RandomState(seed) instances.
    files = numpyShuffle(files, seed);
    labels = numpyShuffle(labels, seed);
  }
  const make = (part: 'training' | 'validation' | null): ImageDataset => {
    const nVal = Math.trunc(v * files.length);
    let f = files, l = labels;
    if (part !== null) {
      if (verbose) console.log(part === 'training' ? `Using ${files.length - nVal} files for training.` : `Using ${nVal} files for validation.`);
      // Python's samples[:-k] / samples[-k:] with k = 0 give [] / everything.
      const at = nVal === 0 ? 0 : files.length - nVal;
      [f, l] = part === 'training' ? [files.slice(0, at), labels.slice(0, at)] : [files.slice(at), labels.slice(at)];
    }
    if (f.length === 0) {
      throw new ValueError(worded(`${M}: argument "directory"`, `${part ? part + ' ' : ''}images (${DATASET_FORMATS.join(', ')})`, `"${dir}" with none`));
    }
    return new ImageDataset({
      filePaths: f, labels: names === null ? null : Int32Array.from(l), classNames: names, labelMode, colorMode, imageSize,
      interpolation, cropToAspectRatio, batchSize, shuffle: shuffle && !(subset === 'both' && part === 'validation'), seed,
      onInvalidImage, limitInputPixels,
    });
  };
  if (subset === 'both') return [make('training'), make('validation')];
  return make(subset);
}
