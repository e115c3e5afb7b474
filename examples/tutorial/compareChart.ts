/**
 * One figure comparing several training runs: a panel per logged metric, one coloured curve per
 * run. kerno's `plot.plotHistory` draws one run (training and validation curves); comparing runs
 * on shared axes is this small SVG, saved as PNG with `plot.savePlot` like any kerno chart.
 * The look follows plotHistory's (seaborn "darkgrid", DejaVu Sans).
 */
export interface Run {
  name: string;
  /** Per-epoch values by log key, as `History.history`. */
  history: Readonly<Record<string, readonly number[]>>;
}

// seaborn "deep" palette.
const COLORS = ['#4c72b0', '#dd8452', '#55a868', '#c44e52', '#8172b3', '#937860'];
const FONT = "'DejaVu Sans', Verdana, Arial, sans-serif";

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const r2 = (v: number) => Math.round(v * 100) / 100;
const label = (x: number, y: number, s: string, size: number, anchor = 'middle') =>
  `<text x="${r2(x)}" y="${r2(y)}" font-size="${size}" text-anchor="${anchor}" fill="#262626">${esc(s)}</text>`;

/** About five round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const raw = (hi - lo) / 5 || 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

/**
 * Renders the logged `metrics` of every run as an SVG string: one panel per entry, titled with
 * its value, e.g. `{loss: 'training loss', val_loss: 'validation loss'}`.
 */
export function compareRuns(runs: readonly Run[], metrics: Readonly<Record<string, string>>, title: string): string {
  const pw = 420, ph = 320, top = 70;
  const panels = Object.entries(metrics).map(([metric, panelTitle], k) => {
    const ox = k * pw;
    const series = runs.map((r) => r.history[metric] ?? []);
    const all = series.flat().filter(Number.isFinite);
    let lo = Math.min(...all), hi = Math.max(...all);
    if (hi - lo < 1e-9) [lo, hi] = [lo - 0.5, hi + 0.5];
    const pad = (hi - lo) * 0.06;
    [lo, hi] = [lo - pad, hi + pad];
    const epochs = Math.max(...series.map((s) => s.length));
    const left = ox + 62, right = ox + pw - 14, y0 = top + 30, y1 = top + ph - 50;
    const px = (e: number) => left + (epochs > 1 ? ((e - 1) / (epochs - 1)) * 0.94 + 0.03 : 0.5) * (right - left);
    const py = (v: number) => y1 - ((v - lo) / (hi - lo)) * (y1 - y0);
    const parts = [label((left + right) / 2, top + 18, panelTitle, 14), `<rect x="${left}" y="${y0}" width="${right - left}" height="${y1 - y0}" fill="#eaeaf2"/>`];
    const yt = ticks(lo, hi);
    const step = (yt[1] ?? 1) - (yt[0] ?? 0);
    const digits = [0, 1, 2, 3, 4, 5, 6].find((k) => Math.abs(Math.round(step * 10 ** k) - step * 10 ** k) < 1e-6) ?? 6;
    for (const v of yt) {
      parts.push(`<line x1="${left}" x2="${right}" y1="${r2(py(v))}" y2="${r2(py(v))}" stroke="#fff"/>`, label(left - 6, py(v) + 4, v.toFixed(digits), 11, 'end'));
    }
    for (const e of ticks(1, epochs).filter((e) => Number.isInteger(e) && e >= 1)) {
      parts.push(`<line x1="${r2(px(e))}" x2="${r2(px(e))}" y1="${y0}" y2="${y1}" stroke="#fff"/>`, label(px(e), y1 + 16, String(e), 11));
    }
    parts.push(label((left + right) / 2, y1 + 36, 'Epoch', 12));
    series.forEach((s, i) => {
      const pts = s.map((v, e) => `${r2(px(e + 1))},${r2(py(v))}`).join(' ');
      parts.push(`<polyline points="${pts}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2"/>`);
      for (const [e, v] of s.entries()) parts.push(`<circle cx="${r2(px(e + 1))}" cy="${r2(py(v))}" r="2.5" fill="${COLORS[i % COLORS.length]}"/>`);
    });
    return parts.join('');
  });
  const width = Object.keys(metrics).length * pw;
  // The legend: one row of coloured lines with the run names, centred under the title.
  const widths = runs.map((r) => 34 + r.name.length * 7.5);
  let x = (width - widths.reduce((a, b) => a + b, 0)) / 2;
  const legend = runs.map((r, i) => {
    const s = `<line x1="${r2(x)}" x2="${r2(x + 22)}" y1="56" y2="56" stroke="${COLORS[i % COLORS.length]}" stroke-width="2.5"/>` + label(x + 28, 60, r.name, 12, 'start');
    x += widths[i];
    return s;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + ph}" viewBox="0 0 ${width} ${top + ph}" font-family="${FONT.replace(/"/g, '&quot;')}">` +
    `<rect width="${width}" height="${top + ph}" fill="#fff"/>${label(width / 2, 26, title, 16)}${legend.join('')}${panels.join('')}</svg>\n`;
}
