/**
 * A seaborn-style annotated heatmap of a confusion matrix (`sns.heatmap(cm, annot=True,
 * fmt='d', cmap='Blues')` plus sklearn's axis titles): square cells coloured by value, the value
 * written in each cell in dark grey or white by seaborn's luminance rule, a colour bar, and tick
 * labels that rotate when they do not fit under their column.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { ConfusionMatrix, type Normalize } from '../metrics/confusionMatrix.js';
import { mismatch } from '../metrics/labels.js';
import { formatFixed } from '../metrics/pyFormat.js';
import { type ColormapName, annotationColor, checkColormap, colorAt, rgbToHex } from './colormap.js';
import { el, esc, niceTicks, svgDocument, text, textWidth, tickLabel } from './svg.js';

/** Annotation formats: `'d'` integers, `'.Nf'` fixed decimals, `'.N%'` percentages. */
export type CellFormat = 'd' | `.${number}f` | `.${number}%`;

/** A confusion matrix as returned by `metrics.confusionMatrix`, nested rows, or a `[n, n]` tensor-like. */
export type MatrixInput = ConfusionMatrix | readonly (readonly number[])[] | { readonly data: ArrayLike<number>; readonly shape: readonly number[] };

/** Options of {@link plotConfusionMatrix}. */
export interface PlotConfusionMatrixOptions {
  /** Tick labels of the rows and columns. Defaults to the matrix's labels (or 0..n-1). */
  labels?: readonly (string | number)[];
  /**
   * Normalize counts for display over true labels (rows), predictions (columns) or all cells.
   * Defaults to `null` (show the values as given).
   */
  normalize?: Normalize | null;
  /** Title above the heatmap. Defaults to none. */
  title?: string;
  /** Colormap. Defaults to `'Blues'`. */
  cmap?: ColormapName;
  /** Write each cell's value in it. Defaults to `true`. */
  annotate?: boolean;
  /** Annotation format. Defaults to `'d'` when every cell is an integer, else `'.2f'`. */
  fmt?: CellFormat;
  /** Title of the x axis. Defaults to `'Predicted label'`. */
  xLabel?: string;
  /** Title of the y axis. Defaults to `'True label'`. */
  yLabel?: string;
  /** Side of one cell in pixels. Defaults to `520 / n` clamped to [36, 90]. */
  cellSize?: number;
  /** Draw the colour bar. Defaults to `true`. */
  colorbar?: boolean;
}

const WHERE = 'plotConfusionMatrix';

/** Renders the heatmap as an SVG string (save it with `savePlot`). */
export function plotConfusionMatrix(cm: MatrixInput, options: PlotConfusionMatrixOptions = {}): string {
  const { n, values, labels: ownLabels, normalized } = readMatrix(cm);
  let data = values;
  const normalize = options.normalize ?? null;
  if (normalize !== null) {
    if (!['true', 'pred', 'all'].includes(normalize)) {
      throw new ValueError(expectedMessage(`${WHERE}: normalize`, "'true', 'pred', 'all' or null", normalize));
    }
    if (normalized !== null && normalized !== normalize) {
      throw new ValueError(mismatch(`${WHERE}: normalize`, `'${normalized}' (the matrix is already normalized)`, `'${normalize}'`));
    }
    if (normalized === null) data = normalizeMatrix(values, n, normalize);
  }
  const labels = (options.labels ?? ownLabels ?? Array.from({ length: n }, (_, i) => i)).map(String);
  if (labels.length !== n) {
    throw new ShapeError(mismatch(`${WHERE}: labels`, `${n} labels (one per row)`, `${labels.length}`));
  }
  const cmap = checkColormap(options.cmap ?? 'Blues', WHERE);
  const fmt = options.fmt ?? (data.every(Number.isInteger) ? 'd' : '.2f');
  const cells = options.annotate === false ? null : data.map((v) => formatCell(v, fmt));
  return render({ n, data, labels, cmap, cells, options });
}

function readMatrix(cm: MatrixInput): { n: number; values: number[]; labels: string[] | null; normalized: Normalize | null } {
  if (cm instanceof ConfusionMatrix) {
    return { n: cm.shape[0], values: Array.from(cm.data), labels: cm.labels.map(String), normalized: cm.normalize };
  }
  if (Array.isArray(cm)) {
    const n = cm.length;
    if (n === 0 || cm.some((row) => !Array.isArray(row) || row.length !== n)) {
      throw new ShapeError(mismatch(`${WHERE}: cm`, 'a square n × n matrix with n ≥ 1', `rows of lengths ${JSON.stringify(cm.map((r) => (r as unknown[])?.length))}`));
    }
    return { n, values: (cm as number[][]).flat(), labels: null, normalized: null };
  }
  const t = cm as { data: ArrayLike<number>; shape: readonly number[] };
  if (!t || !t.shape || t.shape.length !== 2 || t.shape[0] !== t.shape[1] || t.data.length !== t.shape[0] * t.shape[1] || t.shape[0] < 1) {
    throw new ShapeError(expectedMessage(`${WHERE}: cm`, 'a ConfusionMatrix, number[][] or a square {data, shape} tensor', cm));
  }
  return { n: t.shape[0], values: Array.from(t.data), labels: null, normalized: null };
}

function normalizeMatrix(v: number[], n: number, how: Normalize): number[] {
  const rows = Array.from({ length: n }, (_, i) => v.slice(i * n, (i + 1) * n).reduce((a, b) => a + b, 0));
  const cols = Array.from({ length: n }, (_, j) => v.filter((_, k) => k % n === j).reduce((a, b) => a + b, 0));
  const total = v.reduce((a, b) => a + b, 0);
  return v.map((x, k) => {
    const d = how === 'true' ? rows[Math.floor(k / n)] : how === 'pred' ? cols[k % n] : total;
    return d === 0 ? 0 : x / d;
  });
}

function formatCell(v: number, fmt: CellFormat): string {
  if (fmt === 'd') {
    if (!Number.isInteger(v)) {
      throw new ValueError(expectedMessage(`${WHERE}: fmt 'd'`, 'integer cells', v, "Use fmt '.2f' for normalized or weighted matrices."));
    }
    return String(v);
  }
  const m = /^\.(\d+)([f%])$/.exec(fmt);
  if (!m) throw new ValueError(expectedMessage(`${WHERE}: fmt`, "'d', '.Nf' or '.N%'", fmt));
  return m[2] === 'f' ? formatFixed(v, Number(m[1])) : formatFixed(v * 100, Number(m[1])) + '%';
}

interface RenderInput {
  n: number;
  data: number[];
  labels: string[];
  cmap: ColormapName;
  cells: string[] | null;
  options: PlotConfusionMatrixOptions;
}

const TICK = 12; // tick label font size
const AXIS = 13; // axis title font size
const TITLE = 15;

function render({ n, data, labels, cmap, cells, options }: RenderInput): string {
  if (options.cellSize !== undefined && !(options.cellSize >= 4)) {
    throw new ValueError(expectedMessage(`${WHERE}: cellSize`, 'a number ≥ 4', options.cellSize));
  }
  // Whole pixels, so cell edges fall on pixel boundaries and no seams show between cells.
  const cell = Math.round(options.cellSize ?? Math.max(36, Math.min(90, 520 / n)));
  const finite = data.filter(Number.isFinite);
  const vmin = Math.min(...finite);
  const vmax = Math.max(...finite);
  const scale = (v: number) => (vmax > vmin ? (v - vmin) / (vmax - vmin) : 0);

  // Annotation size: about a third of the cell, shrunk until the widest value fits.
  let annot = Math.max(9, Math.min(16, cell * 0.3));
  const widest = cells ? Math.max(...cells.map((c) => textWidth(c, 1))) : 0;
  if (widest * annot > cell * 0.88) annot = Math.max(6, (cell * 0.88) / widest);

  const yLabelW = Math.max(...labels.map((l) => textWidth(l, TICK)));
  const xLabelW = Math.max(...labels.map((l) => textWidth(l, TICK)));
  const rotateX = xLabelW > cell - 6;
  const xTickH = rotateX ? xLabelW * Math.SQRT1_2 + TICK : TICK + 2;

  const titleH = options.title ? TITLE + 18 : 14;
  const left = Math.ceil(14 + AXIS + 12 + yLabelW + 8);
  const top = titleH;
  const grid = n * cell;
  const bottom = 8 + xTickH + 10 + AXIS + 12;
  const showBar = options.colorbar !== false;
  const barX = left + grid + 22;
  const barW = 18;
  const barTicks = showBar ? niceTicks(vmin, vmax, 6, data.every(Number.isInteger)) : [];
  const barStep = barTicks.length > 1 ? barTicks[1] - barTicks[0] : 1;
  const barLabels = barTicks.map((t) => tickLabel(t, barStep));
  const barLabelW = barLabels.length ? Math.max(...barLabels.map((l) => textWidth(l, TICK - 1))) : 0;
  const width = showBar ? barX + barW + 6 + barLabelW + 14 : left + grid + 16;
  const height = top + grid + bottom;

  const parts: string[] = [];
  if (options.title) parts.push(text(left + grid / 2, 10 + TITLE, options.title, { size: TITLE, anchor: 'middle' }));

  // Cells, with data attributes so tools (and tests) can find them.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = data[i * n + j];
      const rgb = colorAt(cmap, scale(v));
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        el('rect', { x, y, width: cell, height: cell, fill: rgbToHex(rgb), 'shape-rendering': 'crispEdges', class: 'cell', 'data-row': i, 'data-col': j }),
      );
      if (cells) {
        parts.push(text(x + cell / 2, y + cell / 2, cells[i * n + j], { size: annot, anchor: 'middle', baseline: 'middle', fill: annotationColor(rgb) }));
      }
    }
  }

  // Tick labels: y to the left of each row, x under each column (rotated 45° when too wide).
  labels.forEach((l, i) => {
    parts.push(text(left - 8, top + i * cell + cell / 2, l, { size: TICK, anchor: 'end', baseline: 'middle' }));
    const cx = left + i * cell + cell / 2;
    const ty = top + grid + 8;
    parts.push(el('line', { x1: cx, y1: top + grid, x2: cx, y2: top + grid + 4, stroke: '#262626', 'stroke-width': 1 }));
    parts.push(el('line', { x1: left - 4, y1: top + i * cell + cell / 2, x2: left, y2: top + i * cell + cell / 2, stroke: '#262626', 'stroke-width': 1 }));
    if (rotateX) parts.push(text(cx + 4, ty + 6, l, { size: TICK, anchor: 'end', rotate: -45 }));
    else parts.push(text(cx, ty + TICK - 1, l, { size: TICK, anchor: 'middle' }));
  });

  const xTitle = options.xLabel ?? 'Predicted label';
  const yTitle = options.yLabel ?? 'True label';
  parts.push(text(left + grid / 2, top + grid + 8 + xTickH + 10 + AXIS - 2, xTitle, { size: AXIS, anchor: 'middle' }));
  const yx = 14 + AXIS - 3;
  parts.push(text(yx, top + grid / 2, yTitle, { size: AXIS, anchor: 'middle', rotate: -90 }));

  if (showBar) parts.push(colorbar(cmap, barX, top, barW, grid, vmin, vmax, barTicks, barLabels));
  return svgDocument(width, height, parts.join(''));
}

function colorbar(
  cmap: ColormapName,
  x: number,
  y: number,
  w: number,
  h: number,
  vmin: number,
  vmax: number,
  ticks: number[],
  labels: string[],
): string {
  const id = `cbar-${cmap}`;
  const stops = Array.from({ length: 17 }, (_, k) => {
    const t = k / 16;
    return el('stop', { offset: `${(t * 100).toFixed(2)}%`, 'stop-color': rgbToHex(colorAt(cmap, 1 - t)) });
  }).join('');
  const parts = [
    `<defs>${el('linearGradient', { id, x1: '0', y1: '0', x2: '0', y2: '1' }, stops)}</defs>`,
    el('rect', { x, y, width: w, height: h, fill: `url(#${esc(id)})` }),
  ];
  ticks.forEach((t, k) => {
    const ty = vmax > vmin ? y + h - ((t - vmin) / (vmax - vmin)) * h : y + h;
    parts.push(el('line', { x1: x + w, y1: ty, x2: x + w + 4, y2: ty, stroke: '#262626', 'stroke-width': 1 }));
    parts.push(text(x + w + 7, ty, labels[k], { size: TICK - 1, baseline: 'middle' }));
  });
  return parts.join('');
}
