/**
 * One batch's worth of per-file work — read, decode, convert, resize, then (legacy generator)
 * random transform and standardize — as a plain-data job, run either by a decode worker
 * (decodeWorker.ts) or on the main thread. Both run this same function, so results are identical
 * wherever a batch was loaded.
 */
import { ImageLoadError } from './imageLoadError.js';
import { cooperate } from './cooperate.js';
import { type LegacyLoad, type ModernLoad, decodeBuffer, decodeFile, legacyPixels, modernPixels, readRegularFileSync } from './loadImage.js';
import { type GeneratorConfig, randomTransform, standardizeRest } from './processing.js';
import { Rng } from './rng.js';
import type { F32Image } from './tfResize.js';

export interface DecodeJob {
  files: string[];
  limitInputPixels: number;
  load: { kind: 'legacy'; opts: LegacyLoad } | { kind: 'modern'; opts: ModernLoad };
  /** The generator's work: transform with stream `positions[i]` of `key`, then standardize unless told not to. */
  proc?: { config: GeneratorConfig; key: bigint; positions: number[]; standardize: boolean };
}

/** Per file: the pixels, or why the file could not be loaded. */
export type DecodeItem = { image: F32Image } | { error: string };

/** Runs a job with blocking reads (in a worker). Unexpected errors propagate; unreadable files become items. */
export async function runJob(job: DecodeJob): Promise<DecodeItem[]> {
  const items: DecodeItem[] = [];
  for (let i = 0; i < job.files.length; i++) {
    try {
      const file = job.files[i];
      const raw = await decodeBuffer(readRegularFileSync(file), file, job.limitInputPixels);
      items.push({ image: finish(job, raw, i) });
    } catch (e) {
      if (!(e instanceof ImageLoadError)) throw e;
      items.push({ error: e.message });
    }
  }
  return items;
}

/**
 * Runs a job on the main thread: reads and large decodes go through libuv's pool concurrently,
 * the synchronous work runs in slices that yield to the event loop (cooperate.ts).
 */
export function runJobInline(job: DecodeJob): Promise<DecodeItem[]> {
  return Promise.all(job.files.map(async (file, i): Promise<DecodeItem> => {
    try {
      const raw = await decodeFile(file, job.limitInputPixels);
      await cooperate();
      return { image: finish(job, raw, i) };
    } catch (e) {
      if (!(e instanceof ImageLoadError)) throw e;
      return { error: e.message };
    }
  }));
}

/** Conversion, resizing and the generator's work on one decoded file. */
export function finish(job: DecodeJob, raw: Parameters<typeof legacyPixels>[0], i: number): F32Image {
  let im = job.load.kind === 'legacy' ? legacyPixels(raw, job.load.opts) : modernPixels(raw, job.load.opts);
  const p = job.proc;
  if (p) {
    im = randomTransform(p.config, im, () => new Rng(p.key, p.positions[i]));
    if (p.standardize) standardizeRest(p.config, im.data, im.channels);
  }
  return im;
}
