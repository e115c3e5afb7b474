/**
 * Training curves from a Keras-style History: one panel per metric (loss first) with the training
 * curve and its `val_` twin, epochs numbered from 1 as Keras prints them, and dashed lines where
 * `history.learning_rate` changed (e.g. by ReduceLROnPlateau). seaborn's "darkgrid" look.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { mismatch } from '../metrics/labels.js';
import { el, niceTicks, round2, svgDocument, text, textWidth, tickLabel } from './svg.js';

/** Keras's History shape: per-epoch logs by key, and the 0-based epoch indices. */
export interface HistoryLike {
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** 0-based epoch index of each logged value. Defaults to `0..n-1`. */
  readonly epoch?: readonly number[];
}

/** Options of {@link plotHistory}. */
export interface PlotHistoryOptions {
  /**
   * Training metrics to plot, one panel each; each panel also draws `val_<metric>` when logged.
   * Defaults to every logged key without the `val_` prefix except the learning rate, loss first.
   */
  metrics?: readonly string[];
  /** Title above the panels. Defaults to none. */
  title?: string;
  /** Mark learning-rate changes found in `history.learning_rate` (or `lr`). Defaults to `true`. */
  markLearningRate?: boolean;
  /** Panels per row. Defaults to the number of panels, at most 3. */
  columns?: number;
  /** Size of one panel in pixels. Defaults to `[440, 320]`. */
  panelSize?: readonly [number, number];
}

const TRAIN = '#4c72b0'; // seaborn "deep" blue
const VAL = '#dd8452'; // seaborn "deep" orange
const LR = '#6b6b6b';
const LR_KEYS = ['learning_rate', 'lr'];
const WHERE = 'plotHistory';

/** Renders training curves as an SVG string (save it with `savePlot`). */
export function plotHistory(history: HistoryLike, options: PlotHistoryOptions = {}): string {
  if (!history || typeof history !== 'object' || !history.history || typeof history.history !== 'object') {
    throw new ValueError(expectedMessage(`${WHERE}: history`, 'a History-like {history: {loss: [...], ...}, epoch?}', history));
  }
  const logs = history.history;
  for (const [key, values] of Object.entries(logs)) {
    if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
      throw new ValueError(expectedMessage(`${WHERE}: history.history.${key}`, 'an array of per-epoch numbers', values));
    }
  }
  const available = Object.keys(logs);
  const metrics = options.metrics ? [...options.metrics] : defaultMetrics(available);
  if (metrics.length === 0) {
    throw new ValueError(mismatch(`${WHERE}: history`, 'at least one metric to plot', `keys ${JSON.stringify(available)}`));
  }
  for (const m of metrics) {
    if (!(m in logs)) {
      throw new ValueError(expectedMessage(`${WHERE}: metrics`, `keys of history.history (${available.join(', ')})`, m));
    }
  }
  const nEpochs = Math.max(...metrics.flatMap((m) => [logs[m].length, logs[`val_${m}`]?.length ?? 0]));
  const epochs = history.epoch ? [...history.epoch] : Array.from({ length: nEpochs }, (_, i) => i);
  if (epochs.length < nEpochs) {
    throw new ShapeError(mismatch(`${WHERE}: history.epoch`, `${nEpochs} epochs (the longest logged series)`, `${epochs.length}`));
  }
  const lrKey = LR_KEYS.find((k) => k in logs);
  const lrChanges = options.markLearningRate === false || !lrKey ? [] : learningRateChanges(logs[lrKey], epochs);

  const [pw, ph] = options.panelSize ?? [440, 320];
  if (!(pw >= 200 && ph >= 150)) throw new ValueError(expectedMessage(`${WHERE}: panelSize`, 'at least [200, 150]', options.panelSize));
  const columns = Math.max(1, Math.min(metrics.length, options.columns ?? 3));
  const rows = Math.ceil(metrics.length / columns);
  const titleH = options.title ? 34 : 0;
  const legendH = 26;
  const panels = metrics.map((m, k) =>
    panel(m, logs[m], logs[`val_${m}`], epochs, lrChanges, (k % columns) * pw, titleH + legendH + Math.floor(k / columns) * ph, pw, ph),
  );
  const title = options.title ? text((columns * pw) / 2, 24, options.title, { size: 16, anchor: 'middle' }) : '';
  const entries = [{ label: 'training', color: TRAIN }];
  if (metrics.some((m) => `val_${m}` in logs)) entries.push({ label: 'validation', color: VAL });
  if (lrChanges.length) entries.push({ label: 'learning-rate change', color: LR, dash: '5 4' } as (typeof entries)[number]);
  const key = legend(entries, (columns * pw) / 2, titleH + 16);
  return svgDocument(columns * pw, titleH + legendH + rows * ph, title + key + panels.join(''));
}

function defaultMetrics(keys: string[]): string[] {
  const train = keys.filter((k) => !k.startsWith('val_') && !LR_KEYS.includes(k));
  return [...train.filter((k) => k === 'loss'), ...train.filter((k) => k !== 'loss')];
}

interface LrChange {
  /** x position (1-based epoch axis) of the boundary before the first epoch at the new rate. */
  x: number;
  rate: number;
}

/** Epoch boundaries where the logged rate differs from the previous epoch's. */
function learningRateChanges(rates: readonly number[], epochs: number[]): LrChange[] {
  const out: LrChange[] = [];
  for (let i = 1; i < rates.length; i++) {
    if (rates[i] !== rates[i - 1] && Number.isFinite(rates[i])) out.push({ x: epochs[i] + 1 - 0.5, rate: rates[i] });
  }
  return out;
}

/** Short learning-rate text: '1e-4', '5e-4', '0.01'. */
function rateLabel(r: number): string {
  if (r >= 0.01 && r < 1000) return String(Number(r.toPrecision(2)));
  return r.toExponential(1).replace(/\.0e/, 'e').replace('e-0', 'e-').replace('e+', 'e');
}

function panel(
  name: string,
  train: readonly number[],
  val: readonly number[] | undefined,
  epochs: number[],
  lrChanges: LrChange[],
  ox: number,
  oy: number,
  pw: number,
  ph: number,
): string {
  const series = [{ color: TRAIN, values: train }];
  if (val) series.push({ color: VAL, values: val });
  const xs = epochs.map((e) => e + 1);
  const all = series.flatMap((s) => Array.from(s.values).filter(Number.isFinite));
  let lo = all.length ? Math.min(...all) : 0;
  let hi = all.length ? Math.max(...all) : 1;
  if (hi - lo < 1e-12) {
    const pad = Math.abs(hi) * 0.1 || 0.5;
    lo -= pad;
    hi += pad;
  }
  const yPad = (hi - lo) * 0.06;
  // Extra headroom keeps the curves clear of the learning-rate labels along the top.
  const yTop = hi + (hi - lo) * (lrChanges.length ? 0.14 : 0.06);
  const yTicks = niceTicks(lo - yPad, yTop, 5);
  const yStep = yTicks.length > 1 ? yTicks[1] - yTicks[0] : 1;
  const yLabels = yTicks.map((t) => tickLabel(t, yStep));
  const nx = Math.max(...series.map((s) => s.values.length));
  const xMin = xs[0] - 0.3;
  const xMax = xs[Math.max(0, nx - 1)] + 0.3;
  const xTicks = niceTicks(xs[0], xs[nx - 1], 8, true);

  const left = ox + 16 + Math.max(...yLabels.map((l) => textWidth(l, 11))) + 8;
  const right = ox + pw - 16;
  const top = oy + 40;
  const bottom = oy + ph - 46;
  const px = (x: number) => left + ((x - xMin) / (xMax - xMin)) * (right - left);
  const py = (y: number) => bottom - ((y - (lo - yPad)) / (yTop - (lo - yPad))) * (bottom - top);

  const parts: string[] = [];
  parts.push(text((left + right) / 2, oy + 26, name, { size: 14, anchor: 'middle' }));
  parts.push(el('rect', { x: left, y: top, width: right - left, height: bottom - top, fill: '#eaeaf2' }));
  for (const [k, t] of yTicks.entries()) {
    if (py(t) < top - 0.5 || py(t) > bottom + 0.5) continue;
    parts.push(el('line', { x1: left, y1: py(t), x2: right, y2: py(t), stroke: '#ffffff', 'stroke-width': 1 }));
    parts.push(text(left - 6, py(t), yLabels[k], { size: 11, anchor: 'end', baseline: 'middle' }));
  }
  for (const t of xTicks) {
    parts.push(el('line', { x1: px(t), y1: top, x2: px(t), y2: bottom, stroke: '#ffffff', 'stroke-width': 1 }));
    parts.push(text(px(t), bottom + 16, String(t), { size: 11, anchor: 'middle' }));
  }
  parts.push(text((left + right) / 2, bottom + 36, 'Epoch', { size: 12, anchor: 'middle' }));

  const lrLabels: string[] = [];
  for (const c of lrChanges) {
    if (c.x < xMin || c.x > xMax) continue;
    parts.push(el('line', { x1: px(c.x), y1: top, x2: px(c.x), y2: bottom, stroke: LR, 'stroke-width': 1.2, 'stroke-dasharray': '5 4' }));
    const label = `lr ${rateLabel(c.rate)}`;
    // Drawn after the curves, on a box in the plot colour, so a curve passing by cannot hide it.
    lrLabels.push(el('rect', { x: px(c.x) + 1.5, y: top + 2, width: textWidth(label, 10) + 4, height: 14, fill: '#eaeaf2', 'fill-opacity': 0.85 }));
    lrLabels.push(text(px(c.x) + 3, top + 12, label, { size: 10, fill: LR }));
  }

  for (const s of series) {
    const segs: string[] = [];
    let pen = false;
    Array.from(s.values).forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      segs.push(`${pen ? 'L' : 'M'}${round2(px(xs[i]))} ${round2(py(v))}`);
      pen = true;
    });
    parts.push(el('path', { d: segs.join(''), fill: 'none', stroke: s.color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    Array.from(s.values).forEach((v, i) => {
      if (Number.isFinite(v)) parts.push(el('circle', { cx: px(xs[i]), cy: py(v), r: 3, fill: s.color }));
    });
  }
  return parts.join('') + lrLabels.join('');
}

/** One legend for the figure, centred in a row above the panels, so it never hides a curve. */
function legend(entries: { label: string; color: string; dash?: string }[], centerX: number, y: number): string {
  const widths = entries.map((e) => 28 + textWidth(e.label, 12) + 22);
  let x = centerX - widths.reduce((a, b) => a + b, 0) / 2;
  const parts: string[] = [];
  entries.forEach((e, k) => {
    parts.push(el('line', { x1: x, y1: y, x2: x + 22, y2: y, stroke: e.color, 'stroke-width': 2.5, 'stroke-dasharray': e.dash }));
    parts.push(text(x + 28, y, e.label, { size: 12, baseline: 'middle' }));
    x += widths[k];
  });
  return parts.join('');
}
