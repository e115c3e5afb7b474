/**
 * Small SVG building blocks shared by the charts: escaping, element strings, text measurement
 * and axis ticks. Charts are plain strings so they need no DOM and render the same in a browser,
 * in librsvg (sharp's PNG path) and in a README.
 */

/** seaborn's default font, then common fallbacks. DejaVu Sans ships with most Linux systems. */
export const FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, sans-serif";

/** Escapes text for SVG content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Attribute values: numbers rounded to 2 decimals to keep files small, strings escaped. */
type Attrs = Record<string, string | number | undefined>;

function attrString(attrs: Attrs): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? round2(v) : esc(v as string)}"`)
    .join('');
}

export function round2(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** `<tag attrs>children</tag>`, or self-closing without children. */
export function el(tag: string, attrs: Attrs, children?: string): string {
  return children === undefined ? `<${tag}${attrString(attrs)}/>` : `<${tag}${attrString(attrs)}>${children}</${tag}>`;
}

/** A text element in the chart font. `anchor` is SVG's text-anchor. */
export function text(
  x: number,
  y: number,
  content: string,
  opts: { size: number; anchor?: 'start' | 'middle' | 'end'; weight?: 'bold'; fill?: string; rotate?: number; baseline?: 'middle' } = { size: 12 },
): string {
  return el(
    'text',
    {
      x,
      y,
      'font-size': opts.size,
      'font-weight': opts.weight,
      'text-anchor': opts.anchor ?? 'start',
      'dominant-baseline': opts.baseline === 'middle' ? 'central' : undefined,
      fill: opts.fill ?? '#262626',
      transform: opts.rotate ? `rotate(${opts.rotate} ${round2(x)} ${round2(y)})` : undefined,
    },
    esc(content),
  );
}

/** Wraps chart content in an `<svg>` root with a white background. */
export function svgDocument(width: number, height: number, body: string): string {
  const w = Math.ceil(width);
  const h = Math.ceil(height);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="${esc(FONT_FAMILY)}">` +
    el('rect', { width: w, height: h, fill: '#ffffff' }) +
    body +
    '</svg>\n'
  );
}

// Advance widths of DejaVu Sans (units per em 2048) for ASCII 32..126, read from the font's
// hmtx table, so labels can be laid out without a font engine.
const DEJAVU = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303, 1303, 1303, 1303, 1303,
  1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604, 604, 1343, 1141,
  1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300,
  1126, 1300, 1260, 721, 1300, 1298, 569, 569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212,
  1212, 1075, 1303, 690, 1303, 1716,
];
const DEJAVU_BOLD = [
  713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425, 1425, 1425, 1425, 1425,
  1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762, 762, 1587, 1305,
  2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466,
  1214, 1466, 1389, 891, 1466, 1458, 702, 702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321,
  1335, 1192, 1458, 748, 1458, 1716,
];

/** Approximate rendered width of `s` in pixels (exact for ASCII in DejaVu Sans). */
export function textWidth(s: string, size: number, bold = false): number {
  const table = bold ? DEJAVU_BOLD : DEJAVU;
  let units = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    units += c >= 32 && c <= 126 ? table[c - 32] : 1300;
  }
  return (units / 2048) * size;
}

/**
 * About `target` round tick values covering [min, max] (steps of 1, 2, 2.5 or 5 × 10^k), like
 * matplotlib's MaxNLocator. `integer` restricts steps to whole numbers.
 */
export function niceTicks(min: number, max: number, target = 5, integer = false): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  if (integer) step = Math.max(1, Math.round(step));
  const start = Math.ceil(min / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Tick label text with as many decimals as the tick step needs (0.25 → 2, 2.5 → 1, 5 → 0). */
export function tickLabel(v: number, step: number): string {
  if (v === 0) return '0';
  if (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e6) return v.toExponential(1).replace(/\.0e/, 'e');
  const exponent = Math.floor(Math.log10(step) + 1e-9);
  const mantissa = step / 10 ** exponent;
  const decimals = Math.max(0, -exponent + (Math.abs(mantissa - 2.5) < 1e-9 ? 1 : 0));
  return v.toFixed(Math.min(10, decimals));
}
