/**
 * Writes charts to disk as SVG, or as PNG rendered by sharp (librsvg). Files are written to a
 * temporary file in the same folder and renamed over the target, so a failed render or write
 * never leaves a truncated file or destroys the previous one.
 */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { ValueError, expectedMessage } from '../errors.js';

/** Options of {@link savePlot} and {@link renderPng}. */
export interface SavePlotOptions {
  /** PNG pixels per SVG pixel (2 gives a sharp image on high-density screens). Defaults to `1`. */
  scale?: number;
}

function checkScale(scale: unknown, where: string): number {
  if (typeof scale !== 'number' || !(scale > 0 && scale <= 16)) {
    throw new ValueError(expectedMessage(`${where}: scale`, 'a number in (0, 16]', scale));
  }
  return scale;
}

/** Renders an SVG string to PNG bytes with sharp. */
export async function renderPng(svg: string, options: SavePlotOptions = {}): Promise<Buffer> {
  const scale = checkScale(options.scale ?? 1, 'renderPng');
  if (typeof svg !== 'string' || !svg.includes('<svg')) throw new ValueError(expectedMessage('renderPng: svg', 'an SVG document string', svg));
  // Loaded lazily: metrics and SVG charts work without touching sharp's native library.
  const { default: sharp } = await import('sharp');
  // librsvg renders an SVG at 72 DPI by default; scaling the density scales the bitmap.
  return sharp(Buffer.from(svg), { density: 72 * scale }).png().toBuffer();
}

/**
 * Saves a chart as `.svg` (the string as is) or `.png` (rendered with sharp), atomically: the bytes
 * go to a temporary sibling file that is renamed over `path` only once complete.
 *
 * @example
 * await savePlot(plotConfusionMatrix(cm), 'confusion_matrix.png');
 */
export async function savePlot(svg: string, path: string, options: SavePlotOptions = {}): Promise<void> {
  if (typeof path !== 'string' || path.length === 0) throw new ValueError(expectedMessage('savePlot: path', 'a file path', path));
  const ext = extname(path).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') {
    throw new ValueError(expectedMessage('savePlot: path', "a file name ending in '.svg' or '.png'", path));
  }
  if (typeof svg !== 'string' || !svg.includes('<svg')) throw new ValueError(expectedMessage('savePlot: svg', 'an SVG document string', svg));
  const bytes = ext === '.png' ? await renderPng(svg, options) : Buffer.from(svg, 'utf8');
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
