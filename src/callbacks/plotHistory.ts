/**
 * PlotHistory: writes the training curves (src/plot's `plotHistory`: one panel per metric with its
 * `val_` twin, learning-rate changes marked) to `path` when training ends — a TensorBoard-free way
 * to look at a run. Not a Keras callback; Keras users plot `history.history` with matplotlib.
 *
 * The callback keeps its own copy of each epoch's logs (reset in `onTrainBegin`), so it plots only
 * the fit it is passed to. `.png` is rendered with sharp, `.svg` is written as is; both atomically
 * (temporary file + rename). Parent folders are created. A fit that ran no epoch writes nothing.
 */
import { mkdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { ValueError, expectedMessage } from '../errors.js';
import { type PlotHistoryOptions, plotHistory } from '../plot/history.js';
import { savePlot } from '../plot/save.js';
import { Callback, type Logs } from './callback.js';

export interface PlotHistoryArgs extends PlotHistoryOptions {
  /** PNG pixels per SVG pixel, for `.png` paths only (an SVG has no pixels). Defaults to `1`. */
  scale?: number;
}

export class PlotHistory extends Callback {
  /** Where the chart is written: a file name ending in `.png` or `.svg`. */
  readonly path: string;
  readonly #plot: PlotHistoryOptions;
  readonly #scale: number | undefined;
  #epochs: number[] = [];
  #logs: Record<string, number[]> = {};

  constructor(path: string, args: PlotHistoryArgs = {}) {
    super();
    const ext = typeof path === 'string' ? extname(path).toLowerCase() : '';
    if (typeof path !== 'string' || (ext !== '.png' && ext !== '.svg')) {
      throw new ValueError(expectedMessage('PlotHistory: argument "path"', "a file name ending in '.png' or '.svg'", path));
    }
    if (args === null || typeof args !== 'object') throw new ValueError(expectedMessage('PlotHistory: argument "args"', 'an options object', args));
    const { scale, ...plot } = args;
    if (scale !== undefined && ext === '.svg') {
      throw new ValueError(expectedMessage('PlotHistory: option "scale"', "no value for an '.svg' path (it applies to PNG only)", scale));
    }
    this.path = path;
    this.#plot = plot;
    this.#scale = scale;
    // Fails now, not after a long training, on bad plot options.
    plotHistory({ history: { loss: [1] } }, { ...plot, metrics: undefined });
  }

  override onTrainBegin(_logs?: Logs): void {
    this.#epochs = [];
    this.#logs = {};
  }

  override onEpochEnd(epoch: number, logs?: Logs): void {
    const n = this.#epochs.length;
    this.#epochs.push(epoch);
    for (const [k, v] of Object.entries(logs ?? {})) {
      if (typeof v !== 'number') continue;
      // A key first logged later (validation every few epochs) is padded with NaN before it.
      (this.#logs[k] ??= new Array<number>(n).fill(Number.NaN)).push(v);
    }
    for (const vs of Object.values(this.#logs)) if (vs.length === n) vs.push(Number.NaN);
  }

  override async onTrainEnd(_logs?: Logs): Promise<void> {
    if (this.#epochs.length === 0) return;
    const svg = plotHistory({ history: this.#logs, epoch: this.#epochs }, this.#plot);
    mkdirSync(dirname(this.path), { recursive: true });
    await savePlot(svg, this.path, this.#scale === undefined ? {} : { scale: this.#scale });
  }
}
