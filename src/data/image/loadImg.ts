/**
 * loadImg: one image file as a float32 tensor [height, width, channels] (Keras
 * `keras.utils.load_img` followed by `img_to_array`), with PIL's colour conversion and resampling.
 */
import { Tensor } from '../../tensor.js';
import { COLOR_MODES, type ColorMode, DEFAULT_LIMIT_INPUT_PIXELS, decodeFile, legacyPixels } from './loadImage.js';
import { PIL_INTERPOLATIONS, type PilInterpolation } from './pilImage.js';
import { bool, oneOf, options, positiveInt, size2 } from './validate.js';

export interface LoadImgArgs {
  /** 'rgb' (3 channels), 'rgba' (4) or 'grayscale' (1). Defaults to `'rgb'`. */
  colorMode?: ColorMode;
  /** [height, width] to resize to. Defaults to the image's own size. */
  targetSize?: readonly [number, number] | null;
  /** PIL resampling filter used when resizing. Defaults to `'nearest'`. */
  interpolation?: PilInterpolation;
  /** Crop the centre to the target's aspect ratio before resizing. Defaults to `false`. */
  keepAspectRatio?: boolean;
  /** Refuse images with more pixels than this, before decoding (kerno addition). Defaults to `268402689`. */
  limitInputPixels?: number;
}

const M = 'loadImg';
const o = (k: string): string => `${M}: option "${k}"`;

/**
 * Decodes `file` (any format sharp reads) to a float32 tensor [height, width, channels].
 * @throws ImageLoadError naming the file when it cannot be read or decoded; ValueError for bad options.
 */
export async function loadImg(file: string, args?: LoadImgArgs): Promise<Tensor> {
  const a = options<LoadImgArgs>(args, M, ['colorMode', 'targetSize', 'interpolation', 'keepAspectRatio', 'limitInputPixels']);
  const colorMode = oneOf(o('colorMode'), a.colorMode, COLOR_MODES, 'rgb');
  const targetSize = a.targetSize === undefined || a.targetSize === null ? undefined : size2(o('targetSize'), a.targetSize, [1, 1]);
  const interpolation = oneOf(o('interpolation'), a.interpolation, PIL_INTERPOLATIONS, 'nearest');
  const keepAspectRatio = bool(o('keepAspectRatio'), a.keepAspectRatio, false);
  const limit = positiveInt(o('limitInputPixels'), a.limitInputPixels, DEFAULT_LIMIT_INPUT_PIXELS);
  const im = legacyPixels(await decodeFile(file, limit), { colorMode, targetSize, interpolation, keepAspectRatio });
  return new Tensor(im.data, [im.height, im.width, im.channels]);
}
