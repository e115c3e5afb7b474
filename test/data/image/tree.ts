/** Test helpers: class-folder trees written with sharp into temporary directories. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `kerno-${prefix}-`));
}

/** Writes `files` (relative paths) with placeholder bytes and creates `emptyDirs`. */
export function writeTree(root: string, files: readonly string[], emptyDirs: readonly string[] = []): void {
  for (const f of files) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), 'placeholder');
  }
  for (const d of emptyDirs) mkdirSync(path.join(root, d), { recursive: true });
}

/** Writes an 8-bit image (H, W, C interleaved) as PNG (or the format of the extension). */
export async function writeImage(file: string, h: number, w: number, c: 1 | 3 | 4, pixel: (y: number, x: number, ch: number) => number): Promise<void> {
  const data = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = pixel(y, x, k);
  mkdirSync(path.dirname(file), { recursive: true });
  let img = sharp(data, { raw: { width: w, height: h, channels: c } });
  if (c === 1) img = img.toColourspace('b-w');
  const ext = path.extname(file).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') await img.jpeg({ quality: 95 }).toFile(file);
  else if (ext === '.webp') await img.webp({ lossless: true }).toFile(file);
  else await img.png().toFile(file);
}
