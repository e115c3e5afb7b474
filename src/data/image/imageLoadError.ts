/** The error thrown when an image file cannot be read or decoded. */
import { KernoError } from '../../errors.js';

/**
 * An image file that could not be read or decoded (empty, truncated, not an image, over the
 * pixel limit, unreadable, not a regular file). `file` is its path.
 */
export class ImageLoadError extends KernoError {
  override name = 'ImageLoadError';
  /** The path of the file that failed. */
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`Could not load image "${file}": ${reason}`);
    this.file = file;
  }
}
