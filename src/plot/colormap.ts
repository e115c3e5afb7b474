/**
 * Colormaps for heatmaps, as piecewise-linear ramps through matplotlib's anchor colours
 * (ColorBrewer sequential maps, and viridis sampled at 9 points), plus seaborn's rule for the
 * annotation colour on a cell.
 */
import { ValueError, expectedMessage } from '../errors.js';

/** The colormaps a heatmap accepts. `'Blues'` is the usual confusion-matrix choice. */
export type ColormapName = 'Blues' | 'Greens' | 'Oranges' | 'Reds' | 'Purples' | 'Greys' | 'viridis' | 'magma';

const STOPS: Record<ColormapName, string[]> = {
  Blues: ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'],
  Greens: ['#f7fcf5', '#e5f5e0', '#c7e9c0', '#a1d99b', '#74c476', '#41ab5d', '#238b45', '#006d2c', '#00441b'],
  Oranges: ['#fff5eb', '#fee6ce', '#fdd0a2', '#fdae6b', '#fd8d3c', '#f16913', '#d94801', '#a63603', '#7f2704'],
  Reds: ['#fff5f0', '#fee0d2', '#fcbba1', '#fc9272', '#fb6a4a', '#ef3b2c', '#cb181d', '#a50f15', '#67000d'],
  Purples: ['#fcfbfd', '#efedf5', '#dadaeb', '#bcbddc', '#9e9ac8', '#807dba', '#6a51a3', '#54278f', '#3f007d'],
  Greys: ['#ffffff', '#f0f0f0', '#d9d9d9', '#bdbdbd', '#969696', '#737373', '#525252', '#252525', '#000000'],
  viridis: ['#440154', '#472c7a', '#3b518b', '#2c718e', '#21908d', '#27ad81', '#5cc863', '#aadc32', '#fde725'],
  magma: ['#000004', '#1c1044', '#4f127b', '#812581', '#b5367a', '#e55064', '#fb8761', '#fec287', '#fcfdbf'],
};

export type RGB = readonly [number, number, number];

function hexToRgb(hex: string): RGB {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** Checks a colormap name, with the list of valid names in the error. */
export function checkColormap(name: unknown, where: string): ColormapName {
  if (typeof name === 'string' && name in STOPS) return name as ColormapName;
  throw new ValueError(expectedMessage(`${where}: cmap`, `one of ${Object.keys(STOPS).join(', ')}`, name));
}

/** The colour at `t` ∈ [0, 1] (clamped) of a colormap. */
export function colorAt(name: ColormapName, t: number): RGB {
  const stops = STOPS[name];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const a = hexToRgb(stops[i]);
  const b = hexToRgb(stops[i + 1]);
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as unknown as RGB;
}

export function rgbToHex([r, g, b]: RGB): string {
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** WCAG relative luminance, as seaborn's `relative_luminance`. */
export function relativeLuminance([r, g, b]: RGB): number {
  const lin = (v: number) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** seaborn's annotation colour: dark grey ('.15') on light cells, white when luminance ≤ 0.408. */
export function annotationColor(cell: RGB): string {
  return relativeLuminance(cell) > 0.408 ? '#262626' : '#ffffff';
}
