/**
 * Reading one image file into float32 pixels (H, W, C), as Keras's two loaders do:
 *
 * - decoding is sharp's (libvips, on libuv's thread pool, so it overlaps with JS work): any format
 *   sharp reads, to 8-bit sRGB with or without alpha; BMP and Netpbm, which sharp lacks, are
 *   decoded by bmpPnm.ts, and small non-interlaced 8-bit PNGs by pngDecode.ts (sharp's per-call
 *   overhead is 20× the decoding work for a 28×28 PNG). EXIF orientation is not applied (PIL's
 *   load_img does not apply it either).
 * - legacy (`flowFromDirectory`, `loadImg`): PIL's colour conversion, then PIL's resampling when the
 *   size differs (pilImage.ts), optionally after keep_aspect_ratio's centre crop; values are the
 *   8-bit results as floats.
 * - modern (`imageDatasetFromDirectory`): the same colour conversion, then `tf.image.resize`
 *   (tfResize.ts) in float32, optionally after smart_resize's centre crop.
 *
 * Files are opened non-blocking and must be regular files, so a FIFO named `x.png` cannot hang a
 * thread. Main-thread decoding goes through a process-wide limiter so memory stays bounded
 * however many iterators prefetch. Every failure is an ImageLoadError naming the file.
 * (The decode workers run the same functions through decodeJob.ts, reading with blocking calls.)
 */
import fs, { constants } from 'node:fs';
import sharp from 'sharp';
import { decodeBmp, decodePnm, isBmp, isPnm } from './bmpPnm.js';
import { decodePngFast, isPng } from './pngDecode.js';
import { ImageLoadError } from './imageLoadError.js';
import { type PilInterpolation, type U8Image, convertChannels, pilResize } from './pilImage.js';
import { type F32Image, type TfInterpolation, aspectCropBox, cropF32, tfResize } from './tfResize.js';

/** Keras color modes: 1, 3 or 4 channels. */
export type ColorMode = 'grayscale' | 'rgb' | 'rgba';
export const COLOR_MODES: readonly ColorMode[] = ['rgb', 'rgba', 'grayscale'];

export function channelsOf(mode: ColorMode): 1 | 3 | 4 {
  return mode === 'grayscale' ? 1 : mode === 'rgba' ? 4 : 3;
}

/** sharp's default pixel limit (0x3FFF × 0x3FFF): larger images are refused before decoding. */
export const DEFAULT_LIMIT_INPUT_PIXELS = 268402689;

/** At most this many files are read and decoded at once across the process (libuv runs 4 by default). */
const MAX_DECODES = 8;
let active = 0;
const waiting: (() => void)[] = [];

async function limited<T>(job: () => Promise<T>): Promise<T> {
  // A finishing job hands its slot straight to the next waiter, so the count never overshoots.
  if (active >= MAX_DECODES) await new Promise<void>((resolve) => waiting.push(resolve));
  else active++;
  try {
    return await job();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else active--;
  }
}

/** Files up to this size are read with one call before any fstat. */
const FIRST_READ = 1 << 16;
/** Scratch buffers for first reads, reused (a fresh 64 KiB buffer per image is garbage-collector work). */
const scratch: Buffer[] = [];

/**
 * Reads a regular file without blocking on FIFOs or devices, in as few thread-pool round trips
 * as possible (each costs more main-thread time than decoding a small PNG): open non-blocking,
 * read up to 64 KiB; only when that fills the buffer, fstat for the size (and to refuse devices
 * such as /dev/zero) and read the rest. A FIFO or directory fails its read; the close is not
 * awaited.
 */
function readRegularFile(file: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fs.open(file, constants.O_RDONLY | constants.O_NONBLOCK, (err, fd) => {
      if (err) return reject(new ImageLoadError(file, err.code === 'ENOENT' ? 'no such file (or a broken link).' : err.message));
      const done = (e: string | null, buf?: Buffer): void => {
        fs.close(fd, () => undefined);
        if (e !== null) reject(new ImageLoadError(file, e));
        else resolve(buf!);
      };
      const first = scratch.pop() ?? Buffer.allocUnsafeSlow(FIRST_READ);
      fs.read(fd, first, 0, FIRST_READ, 0, (e1, n) => {
        const release = (): void => void (scratch.length < 16 && scratch.push(first));
        if (e1) {
          release();
          return done(e1.code === 'EAGAIN' ? 'not a regular file.' : e1.message);
        }
        if (n < FIRST_READ) {
          const copy = Buffer.from(first.subarray(0, n));
          release();
          return n === 0 ? done('the file is empty.') : done(null, copy);
        }
        fs.fstat(fd, (e2, st) => {
          if (e2 || !st.isFile()) {
            release();
            return done(e2 ? e2.message : 'not a regular file.');
          }
          const buf = Buffer.allocUnsafe(st.size);
          first.copy(buf, 0, 0, Math.min(n, st.size));
          release();
          if (st.size <= n) return done(null, buf);
          fs.read(fd, buf, n, st.size - n, n, (e3, m) => (e3 ? done(e3.message) : done(null, buf.subarray(0, n + m))));
        });
      });
    });
  });
}

/**
 * The same checks as readRegularFile, blocking: for the decode workers, where blocking reads cost
 * less than thread-pool round trips and block nothing else.
 */
export function readRegularFileSync(file: string): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ImageLoadError(file, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (or a broken link).' : (e as Error).message);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new ImageLoadError(file, 'not a regular file.');
    if (st.size === 0) throw new ImageLoadError(file, 'the file is empty.');
    const buf = Buffer.allocUnsafe(st.size);
    return buf.subarray(0, fs.readSync(fd, buf, 0, st.size, 0));
  } catch (e) {
    throw e instanceof ImageLoadError ? e : new ImageLoadError(file, (e as Error).message);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Decodes file contents to 8-bit channels: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
 * @throws ImageLoadError naming `file`.
 */
export async function decodeBuffer(buf: Buffer, file: string, limitInputPixels: number): Promise<U8Image> {
  try {
    // BMP and Netpbm are in Keras's legacy list but not among sharp's formats.
    if (isBmp(buf)) return decodeBmp(buf, limitInputPixels);
    if (isPnm(buf)) return decodePnm(buf, limitInputPixels);
    const png = isPng(buf) ? decodePngFast(buf, limitInputPixels) : null;
    if (png) return png;
    const { data, info } = await sharp(buf, { limitInputPixels, failOn: 'warning' })
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), height: info.height, width: info.width, channels: info.channels };
  } catch (e) {
    const reason = String((e as Error).message ?? e).split('\n')[0];
    throw new ImageLoadError(file, reason.endsWith('.') ? reason : reason + '.');
  }
}

/** Reads and decodes a file on the main thread (reads and large decodes run on libuv's pool). */
export function decodeFile(file: string, limitInputPixels: number): Promise<U8Image> {
  return limited(async () => decodeBuffer(await readRegularFile(file), file, limitInputPixels));
}

/** Options of the legacy loader (keras.utils.load_img). */
export interface LegacyLoad {
  colorMode: ColorMode;
  /** [height, width], or undefined to keep the size. */
  targetSize: readonly [number, number] | undefined;
  interpolation: PilInterpolation;
  keepAspectRatio: boolean;
}

/** load_img + img_to_array on decoded pixels. */
export function legacyPixels(raw: U8Image, o: LegacyLoad): F32Image {
  let im = convertChannels(raw, channelsOf(o.colorMode));
  if (o.targetSize && (im.height !== o.targetSize[0] || im.width !== o.targetSize[1])) {
    const [th, tw] = o.targetSize;
    let box: number[] | undefined;
    if (o.keepAspectRatio) {
      // load_img: crop_height = (width * target_height) // target_width, then centre it.
      const ch = Math.min(im.height, Math.floor((im.width * th) / tw));
      const cw = Math.min(im.width, Math.floor((im.height * tw) / th));
      const top = Math.floor((im.height - ch) / 2), left = Math.floor((im.width - cw) / 2);
      box = [left, top, left + cw, top + ch];
    }
    im = pilResize(im, tw, th, o.interpolation, box);
  }
  return { data: Float32Array.from(im.data), height: im.height, width: im.width, channels: im.channels };
}

/** Options of the modern loader (image_dataset_from_directory). */
export interface ModernLoad {
  colorMode: ColorMode;
  imageSize: readonly [number, number];
  interpolation: TfInterpolation;
  cropToAspectRatio: boolean;
}

/** image_dataset_from_directory's per-file load on decoded pixels. */
export function modernPixels(raw: U8Image, o: ModernLoad): F32Image {
  const c = convertChannels(raw, channelsOf(o.colorMode));
  let im: F32Image = { data: Float32Array.from(c.data), height: c.height, width: c.width, channels: c.channels };
  const [th, tw] = o.imageSize;
  if (o.cropToAspectRatio) {
    const b = aspectCropBox(im.height, im.width, th, tw);
    im = cropF32(im, b.top, b.left, b.height, b.width);
  }
  return tfResize(im, th, tw, o.interpolation);
}
