/**
 * Keras 3's `model.summary()` text (keras/src/utils/summary_utils.py), which renders a Rich table:
 * heavy header borders, a rule between rows, columns at 45% / 80% / 100% of an 88-character line
 * (or the terminal width − 4 when narrower), counts with thousands separators and sizes as
 * `(918.54 KB)`. The column arithmetic reproduces Rich's (each column padded by one space per side,
 * the excess over the line removed evenly with Python's rounding), so the text matches Keras's.
 */
import type { Layer } from './layer.js';

export interface SummaryRow {
  readonly layer: Layer;
  /** Output shape without the batch axis; undefined when the layer is not built. */
  readonly outputShape: readonly number[] | undefined;
}

export interface SummaryCounts {
  trainable: number;
  nonTrainable: number;
  /** Optimizer variables as Keras counts them (slots + iterations + learning rate), when built. */
  optimizer?: { count: number; bytes: number };
}

/** Python's round(): halves to even. */
function pyRound(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** Interior widths (content + one space each side) of the columns, as Rich lays them out. */
export function columnWidths(lineLength: number, positions: readonly number[] = [0.45, 0.8, 1.0]): number[] {
  const padded: number[] = [];
  let current = 0;
  for (const p of positions) {
    const w = Math.floor(p * lineLength) - current;
    if (w < 4) throw new RangeError('Insufficient console width to print summary.');
    padded.push(w + 2);
    current += w;
  }
  const maxWidth = lineLength - (positions.length + 1);
  let excess = padded.reduce((a, b) => a + b, 0) - maxWidth;
  if (excess <= 0) return padded;
  // rich._ratio.ratio_reduce with equal ratios.
  let ratioTotal = padded.length;
  return padded.map((v) => {
    const take = Math.min(v, pyRound(excess / ratioTotal));
    excess -= take;
    ratioTotal -= 1;
    return v - take;
  });
}

/** Splits text into lines of at most `width` characters, at spaces when possible (Rich's wrapping). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let w = word;
    const candidate = line ? `${line} ${w}` : w;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    while (w.length > width) {
      lines.push(w.slice(0, width));
      w = w.slice(width);
    }
    line = w;
  }
  lines.push(line);
  return lines;
}

function row(cells: readonly string[], widths: readonly number[], right: readonly boolean[], sep: string): string[] {
  const wrapped = cells.map((c, i) => wrap(c, widths[i] - 2));
  const height = Math.max(...wrapped.map((w) => w.length));
  const out: string[] = [];
  for (let r = 0; r < height; r++) {
    const parts = wrapped.map((w, i) => {
      const t = w[r] ?? '';
      return ' ' + (right[i] ? t.padStart(widths[i] - 2) : t.padEnd(widths[i] - 2)) + ' ';
    });
    out.push(sep + parts.join(sep) + sep);
  }
  return out;
}

function rule(widths: readonly number[], left: string, mid: string, right: string, fill: string): string {
  return left + widths.map((w) => fill.repeat(w)).join(mid) + right;
}

/** `{:,}` */
export function thousands(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Keras `readable_memory_size`: `918.54 KB`. */
export function readableSize(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let v = bytes;
  for (const unit of units) {
    if (v / 1024 < 1) return `${v.toFixed(2)} ${unit}`;
    v /= 1024;
  }
  return `${v.toFixed(2)} PB`;
}

/** The summary text, ending with a newline, as Keras passes it to `print_fn`. */
export function renderSummary(name: string, rows: readonly SummaryRow[], counts: SummaryCounts, lineLength: number): string {
  const widths = columnWidths(lineLength);
  const right = [false, false, true];
  const lines = [`Model: "${name}"`, rule(widths, '┏', '┳', '┓', '━')];
  lines.push(...row(['Layer (type)', 'Output Shape', 'Param #'], widths, right, '┃'));
  lines.push(rule(widths, '┡', '╇', '┩', '━'));
  rows.forEach((r, i) => {
    if (i > 0) lines.push(rule(widths, '├', '┼', '┤', '─'));
    const shape = r.outputShape ? `(None, ${r.outputShape.join(', ')})` : '?';
    const params = r.layer.built ? thousands(r.layer.countParams()) : '0 (unbuilt)';
    lines.push(...row([`${r.layer.name} (${r.layer.className})`, shape, params], widths, right, '│'));
  });
  lines.push(rule(widths, '└', '┴', '┘', '─'));
  const opt = counts.optimizer;
  const total = counts.trainable + counts.nonTrainable + (opt?.count ?? 0);
  const totalBytes = 4 * (counts.trainable + counts.nonTrainable) + (opt?.bytes ?? 0);
  lines.push(` Total params: ${thousands(total)} (${readableSize(totalBytes)})`);
  lines.push(` Trainable params: ${thousands(counts.trainable)} (${readableSize(4 * counts.trainable)})`);
  lines.push(` Non-trainable params: ${thousands(counts.nonTrainable)} (${readableSize(4 * counts.nonTrainable)})`);
  if (opt) lines.push(` Optimizer params: ${thousands(opt.count)} (${readableSize(opt.bytes)})`);
  return lines.join('\n') + '\n';
}
