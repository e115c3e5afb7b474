/**
 * ImageDataGenerator: Keras's legacy real-time augmentation (keras/src/legacy/preprocessing/image.py).
 *
 * Per image, in Keras's order: load (flowFromDirectory) → random transform (rotation, shifts,
 * shear, zoom, channel shift, flips, brightness; see affine.ts for the exact conventions) →
 * standardize (preprocessingFunction, then rescale, then sample-wise centering/normalisation, then
 * feature-wise centering/normalisation with the statistics from `fit`).
 *
 * Random draws follow Keras's distributions (numbers `r` draw uniformly from (−r, r); a shift
 * range below 1 is a fraction of the height/width, 1 or more is pixels; zoom z draws zx and zy
 * independently from [1 − z, 1 + z]; each flip happens with probability 0.5) from kerno's own
 * seeded streams, so runs are reproducible but the draws are not numpy's.
 */
import { ShapeError, ValueError, expectedMessage } from '../../errors.js';
import { deriveSeed, nextSeed } from '../../random.js';
import { Tensor, type TensorLike, toTensor } from '../../tensor.js';
import { FILL_MODES, type FillMode, type TransformParams, applyTransform } from './affine.js';
import { ArrayIterator, type FlowArgs } from './arrayIterator.js';
import { DirectoryIterator, type FlowFromDirectoryArgs } from './directoryIterator.js';
import { type GeneratorConfig, type ShiftRange, drawTransform, randomTransform, standardizeRest } from './processing.js';
import { Rng } from './rng.js';
import type { F32Image } from './tfResize.js';
import { bool, finite, nonNegative, oneOf, options, pair, seedOf, split, worded } from './validate.js';

export interface ImageDataGeneratorArgs {
  /** Subtract the per-channel mean of the data given to `fit`. Defaults to `false`. */
  featurewiseCenter?: boolean;
  /** Subtract each image's own mean. Defaults to `false`. */
  samplewiseCenter?: boolean;
  /** Divide by the per-channel std of the data given to `fit` (turns on featurewiseCenter). Defaults to `false`. */
  featurewiseStdNormalization?: boolean;
  /** Divide each image by its own std (turns on samplewiseCenter). Defaults to `false`. */
  samplewiseStdNormalization?: boolean;
  /** Random rotation in degrees, drawn from (−r, r). Defaults to `0`. */
  rotationRange?: number;
  /**
   * Random horizontal shift: a number r draws from (−r, r), as a fraction of the width when r < 1,
   * in pixels otherwise; an array draws one of its values with a random sign (for Keras's integer
   * form n, pass [0, 1, …, n−1]). Defaults to `0`.
   */
  widthShiftRange?: number | readonly number[];
  /** Random vertical shift, as widthShiftRange (fraction of the height below 1). Defaults to `0`. */
  heightShiftRange?: number | readonly number[];
  /** A PIL brightness factor drawn from `[lo, hi)`, given as `[lo, hi]`. Defaults to none. */
  brightnessRange?: readonly [number, number] | null;
  /** Random shear angle in degrees, drawn from (−r, r). Defaults to `0`. */
  shearRange?: number;
  /** Random zoom: z gives [1 − z, 1 + z], or give [lo, hi]. Defaults to `0`. */
  zoomRange?: number | readonly [number, number];
  /** Random value added to all channels, drawn from (−r, r). Defaults to `0`. */
  channelShiftRange?: number;
  /** How points outside the image are filled. Defaults to `'nearest'`. */
  fillMode?: FillMode;
  /** The fill value for fillMode 'constant'. Defaults to `0`. */
  cval?: number;
  /** Mirror left–right with probability 0.5. Defaults to `false`. */
  horizontalFlip?: boolean;
  /** Mirror top–bottom with probability 0.5. Defaults to `false`. */
  verticalFlip?: boolean;
  /** Multiply every pixel by this (after preprocessingFunction), e.g. 1/255; 0 or null for none. Defaults to none. */
  rescale?: number | null;
  /**
   * Runs first in standardize on each image (H, W, C) after augmentation; must return a tensor of
   * the same shape. Defaults to none.
   */
  preprocessingFunction?: ((x: Tensor) => TensorLike) | null;
  /** Fraction of the images held out for subset 'validation' in flow/flowFromDirectory. Defaults to `0`. */
  validationSplit?: number;
  /** Default seed of randomTransform, fit's augmentation and iterators without their own seed (kerno addition). Defaults to none (the global seed stream). */
  seed?: number;
}

const ARGS: readonly (keyof ImageDataGeneratorArgs)[] = [
  'featurewiseCenter', 'samplewiseCenter', 'featurewiseStdNormalization', 'samplewiseStdNormalization', 'rotationRange',
  'widthShiftRange', 'heightShiftRange', 'brightnessRange', 'shearRange', 'zoomRange', 'channelShiftRange', 'fillMode',
  'cval', 'horizontalFlip', 'verticalFlip', 'rescale', 'preprocessingFunction', 'validationSplit', 'seed',
];

export interface FitGeneratorArgs {
  /** Fit on randomly augmented copies. Defaults to `false`. */
  augment?: boolean;
  /** Augmentation passes over the data when augment is on. Defaults to `1`. */
  rounds?: number;
  /** Seed of the augmentation. Defaults to the generator's seed. */
  seed?: number;
}

const C = 'ImageDataGenerator';

function shiftRange(where: string, v: unknown): ShiftRange {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (Array.isArray(v) && v.length > 0 && v.every((e) => typeof e === 'number' && Number.isFinite(e))) return v.slice();
  throw new ValueError(expectedMessage(where, 'a finite number ≥ 0 or a non-empty array of numbers', v));
}

/** Wraps a Float32Array image view as a rank-3 tensor. */
export function imageTensor(im: F32Image): Tensor {
  return new Tensor(im.data, [im.height, im.width, im.channels]);
}

function imageOf(x: unknown, where: string): F32Image {
  const t = toTensor(x as TensorLike, where);
  if (t.rank !== 3) throw new ShapeError(worded(where, 'one image of shape [height, width, channels]', `shape [${t.shape.join(', ')}]`));
  return { data: Float32Array.from(t.data), height: t.shape[0], width: t.shape[1], channels: t.shape[2] };
}

export class ImageDataGenerator {
  readonly featurewiseCenter: boolean;
  readonly samplewiseCenter: boolean;
  readonly featurewiseStdNormalization: boolean;
  readonly samplewiseStdNormalization: boolean;
  readonly rotationRange: number;
  readonly widthShiftRange: ShiftRange;
  readonly heightShiftRange: ShiftRange;
  readonly brightnessRange: readonly [number, number] | null;
  readonly shearRange: number;
  /** [lo, hi] (a number z was turned into [1 − z, 1 + z]). */
  readonly zoomRange: readonly [number, number];
  readonly channelShiftRange: number;
  readonly fillMode: FillMode;
  readonly cval: number;
  readonly horizontalFlip: boolean;
  readonly verticalFlip: boolean;
  readonly rescale: number | null;
  readonly preprocessingFunction: ((x: Tensor) => TensorLike) | null;
  readonly validationSplit: number;
  readonly seed: number | undefined;
  /** Per-channel mean from `fit` (featurewiseCenter), or null. */
  mean: Float32Array | null = null;
  /** Per-channel std from `fit` (featurewiseStdNormalization), or null. */
  std: Float32Array | null = null;
  #draws = 0;
  #key: bigint | undefined;
  #warned = new Set<string>();

  constructor(args?: ImageDataGeneratorArgs) {
    const a = options<ImageDataGeneratorArgs>(args, C, ARGS);
    const o = (k: string): string => `${C}: option "${k}"`;
    this.featurewiseStdNormalization = bool(o('featurewiseStdNormalization'), a.featurewiseStdNormalization, false);
    this.samplewiseStdNormalization = bool(o('samplewiseStdNormalization'), a.samplewiseStdNormalization, false);
    // Keras turns centering on (with a warning) when the matching normalisation is on.
    this.featurewiseCenter = bool(o('featurewiseCenter'), a.featurewiseCenter, false) || this.featurewiseStdNormalization;
    this.samplewiseCenter = bool(o('samplewiseCenter'), a.samplewiseCenter, false) || this.samplewiseStdNormalization;
    this.rotationRange = nonNegative(o('rotationRange'), a.rotationRange, 0);
    this.widthShiftRange = shiftRange(o('widthShiftRange'), a.widthShiftRange);
    this.heightShiftRange = shiftRange(o('heightShiftRange'), a.heightShiftRange);
    this.brightnessRange = a.brightnessRange === undefined || a.brightnessRange === null ? null : pair(o('brightnessRange'), a.brightnessRange);
    this.shearRange = nonNegative(o('shearRange'), a.shearRange, 0);
    const z = a.zoomRange ?? 0;
    this.zoomRange = typeof z === 'number' ? [1 - finite(o('zoomRange'), z, 0), 1 + z] : pair(o('zoomRange'), z);
    this.channelShiftRange = nonNegative(o('channelShiftRange'), a.channelShiftRange, 0);
    this.fillMode = oneOf(o('fillMode'), a.fillMode, FILL_MODES, 'nearest');
    this.cval = finite(o('cval'), a.cval, 0);
    this.horizontalFlip = bool(o('horizontalFlip'), a.horizontalFlip, false);
    this.verticalFlip = bool(o('verticalFlip'), a.verticalFlip, false);
    this.rescale = a.rescale === undefined || a.rescale === null || a.rescale === 0 ? null : finite(o('rescale'), a.rescale, 1);
    const pf = a.preprocessingFunction;
    if (pf !== undefined && pf !== null && typeof pf !== 'function') throw new ValueError(expectedMessage(o('preprocessingFunction'), 'a function', pf));
    this.preprocessingFunction = pf ?? null;
    this.validationSplit = split(o('validationSplit'), a.validationSplit);
    this.seed = seedOf(o('seed'), a.seed);
  }

  /** A key for a random stream that was not given a seed: the generator's seed, else the global stream. */
  #nextKey(purpose: string): bigint {
    this.#key ??= this.seed === undefined ? nextSeed() : deriveSeed(this.seed, 'generator');
    return deriveSeed(this.#key, purpose, this.#draws++);
  }

  /**
   * Random transformation parameters for an image of `shape` [height, width, channels]
   * (Keras get_random_transform). With `seed`, the result depends only on the seed.
   */
  getRandomTransform(shape: readonly number[], seed?: number): TransformParams {
    const s = seedOf('getRandomTransform: argument "seed"', seed);
    if (!Array.isArray(shape) || shape.length !== 3) throw new ValueError(expectedMessage('getRandomTransform: argument "shape"', '[height, width, channels]', shape));
    return this.drawTransform(shape[0], shape[1], new Rng(s === undefined ? this.#nextKey('transform') : deriveSeed(s, 'transform')));
  }

  /** @internal Draws parameters in Keras's order from `rng`. */
  drawTransform(h: number, w: number, rng: Rng): TransformParams {
    return drawTransform(this.config(), h, w, rng);
  }

  /** @internal The plain-data configuration of the per-image work (for the decode workers). */
  config(): GeneratorConfig {
    return {
      rotationRange: this.rotationRange, widthShiftRange: this.widthShiftRange, heightShiftRange: this.heightShiftRange,
      shearRange: this.shearRange, zoomRange: this.zoomRange, channelShiftRange: this.channelShiftRange,
      brightnessRange: this.brightnessRange, horizontalFlip: this.horizontalFlip, verticalFlip: this.verticalFlip,
      fillMode: this.fillMode, cval: this.cval, rescale: this.rescale, samplewiseCenter: this.samplewiseCenter,
      samplewiseStdNormalization: this.samplewiseStdNormalization, featurewiseCenter: this.featurewiseCenter,
      featurewiseStdNormalization: this.featurewiseStdNormalization, mean: this.mean, std: this.std,
    };
  }

  /** Applies fixed transformation parameters to one image [height, width, channels] (Keras apply_transform). */
  applyTransform(x: Tensor | TensorLike, params: TransformParams): Tensor {
    if (params === null || typeof params !== 'object') throw new ValueError(expectedMessage('applyTransform: argument "params"', 'a transform parameters object', params));
    return imageTensor(applyTransform(imageOf(x, 'applyTransform: argument "x"'), params, this.fillMode, this.cval));
  }

  /** A random transformation of one image (Keras random_transform). */
  randomTransform(x: Tensor | TensorLike, seed?: number): Tensor {
    const im = imageOf(x, 'randomTransform: argument "x"');
    return imageTensor(applyTransform(im, this.getRandomTransform([im.height, im.width, im.channels], seed), this.fillMode, this.cval));
  }

  /**
   * @internal Random transform then standardize, for the iterators. `im.data` may be modified
   * (the iterators pass an image they own); `rng` is only called when something is random.
   */
  process(im: F32Image, rng: () => Rng): F32Image {
    return this.standardizeOwned(randomTransform(this.config(), im, rng));
  }

  /**
   * Normalises images (one image, or a batch with channels last) in Keras's order:
   * preprocessingFunction, rescale, sample-wise centering and std (over all of `x`), feature-wise
   * centering and std (per channel, from `fit`). Returns a new float32 tensor.
   */
  standardize(x: Tensor | TensorLike): Tensor {
    const t = toTensor(x as TensorLike, 'standardize: argument "x"');
    if (t.rank < 1) throw new ShapeError(worded('standardize: argument "x"', 'images with a channels axis', 'a scalar'));
    const ch = t.shape[t.rank - 1];
    const im: F32Image = { data: Float32Array.from(t.data), height: t.rank === 3 ? t.shape[0] : 1, width: t.rank === 3 ? t.shape[1] : t.size / Math.max(ch, 1), channels: ch };
    const out = this.standardizeOwned(im, t.rank === 3 ? undefined : t.shape);
    return new Tensor(out.data, t.shape);
  }

  /** @internal standardize in place on `im.data` (a copy owned by the caller). */
  standardizeOwned(im: F32Image, shape?: readonly number[]): F32Image {
    let d = im.data;
    if (this.preprocessingFunction) {
      const s = shape ?? [im.height, im.width, im.channels];
      const r = toTensor(this.preprocessingFunction(new Tensor(d, s)), `${C}: preprocessingFunction's result`);
      if (r.shape.length !== s.length || r.shape.some((v, i) => v !== s[i])) {
        throw new ShapeError(worded(`${C}: preprocessingFunction's result`, `shape [${s.join(', ')}] (the input's)`, `shape [${r.shape.join(', ')}]`));
      }
      d = r.data === d ? d : Float32Array.from(r.data);
    }
    this.checkFitChannels(im.channels);
    const skipped = standardizeRest(this.config(), d, im.channels);
    this.warnUnfit(skipped);
    return { ...im, data: d };
  }

  /** @internal Throws when fit's statistics have another channel count than the images. */
  checkFitChannels(ch: number): void {
    for (const [name, v] of [['mean', this.mean], ['std', this.std]] as const) {
      if (v && v.length !== ch) throw new ShapeError(worded(`${C}: standardize`, `images with ${v.length} channels (as the ${name} from fit)`, `${ch} channels`));
    }
  }

  /** @internal Warns once per option that is on but has no statistics from fit (as Keras does). */
  warnUnfit(skipped: { unfitMean: boolean; unfitStd: boolean }): void {
    if (skipped.unfitMean) this.#warnOnce('featurewiseCenter');
    if (skipped.unfitStd) this.#warnOnce('featurewiseStdNormalization');
  }

  #warnOnce(option: string): void {
    if (this.#warned.has(option)) return;
    this.#warned.add(option);
    console.warn(`This ImageDataGenerator specifies \`${option}\`, but it hasn't been fit on any training data. Fit it first by calling \`.fit(x)\`.`);
  }

  /**
   * Computes the feature-wise statistics (Keras `fit`) from images (N, H, W, C): the per-channel
   * mean and std after `rescale` (not after preprocessingFunction), optionally over `rounds`
   * randomly augmented copies.
   */
  fit(x: Tensor | TensorLike, args?: FitGeneratorArgs): void {
    const a = options<FitGeneratorArgs>(args, 'fit', ['augment', 'rounds', 'seed']);
    const augment = bool(opt('augment'), a.augment, false);
    const rounds = a.rounds === undefined ? 1 : a.rounds;
    if (!Number.isSafeInteger(rounds) || rounds < 1) throw new ValueError(expectedMessage(opt('rounds'), 'a positive integer', rounds));
    const seed = seedOf(opt('seed'), a.seed);
    const t = toTensor(x as TensorLike, 'fit: argument "x"');
    if (t.rank !== 4) throw new ShapeError(worded('fit: argument "x"', 'images of rank 4 [N, height, width, channels]', `shape [${t.shape.join(', ')}]`));
    const [n, h, w, ch] = t.shape;
    if (![1, 3, 4].includes(ch)) console.warn(`ImageDataGenerator.fit: expected images with 1, 3 or 4 channels (channels last), received ${ch} channels.`);
    const f = Math.fround;
    let d = Float32Array.from(t.data);
    if (this.rescale !== null) {
      const r = f(this.rescale);
      for (let i = 0; i < d.length; i++) d[i] = f(d[i] * r);
    }
    if (augment) {
      const key = seed === undefined ? this.#nextKey('fit') : deriveSeed(seed, 'fit');
      const per = h * w * ch, out = new Float32Array(rounds * d.length);
      for (let r = 0; r < rounds; r++) {
        for (let i = 0; i < n; i++) {
          const im: F32Image = { data: d.subarray(i * per, (i + 1) * per), height: h, width: w, channels: ch };
          const p = this.drawTransform(h, w, new Rng(deriveSeed(key, r, i)));
          out.set(applyTransform(im, p, this.fillMode, this.cval).data, (r * n + i) * per);
        }
      }
      d = out;
    }
    const stats = (): Float32Array => {
      const s = new Float64Array(ch), cnt = d.length / ch;
      for (let i = 0; i < d.length; i++) s[i % ch] += d[i];
      return Float32Array.from(s, (v) => v / cnt);
    };
    if (this.featurewiseCenter) {
      this.mean = stats();
      for (let i = 0; i < d.length; i++) d[i] = f(d[i] - this.mean[i % ch]);
    }
    if (this.featurewiseStdNormalization) {
      const m = stats(), q = new Float64Array(ch), cnt = d.length / ch;
      for (let i = 0; i < d.length; i++) q[i % ch] += (d[i] - m[i % ch]) ** 2;
      this.std = Float32Array.from(q, (v) => Math.sqrt(v / cnt));
    }
  }

  /** Batches from in-memory images (N, H, W, C) and labels, augmented on the fly (Keras `flow`). */
  flow(x: Tensor | TensorLike, y?: Tensor | TensorLike | null, args?: FlowArgs): ArrayIterator {
    return new ArrayIterator(x, y ?? null, this, args);
  }

  /**
   * Batches from a folder with one sub-folder per class (Keras `flow_from_directory`). Resolves
   * once the files are listed; prints `Found N images belonging to K classes.`
   */
  flowFromDirectory(directory: string, args?: FlowFromDirectoryArgs): Promise<DirectoryIterator> {
    return DirectoryIterator.create(directory, this, args);
  }
}

function opt(name: string): string {
  return `fit: option "${name}"`;
}
