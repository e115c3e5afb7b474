/**
 * The confusion-matrix heatmap: SVG content (annotations, formats, colours, errors) and the
 * rendered PNG's pixels (dark diagonal, light off-diagonal, annotation text inside cells).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { confusionMatrix } from '../../src/metrics/index.js';
import { plotConfusionMatrix, savePlot } from '../../src/plot/index.js';
import { countWhere, decodePng, elements, luminance, near, pixel } from './pixels.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-plot-cm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

/** 10 classes × 100 samples: 90 right, the rest spread over the next two classes (deterministic). */
function tenClassData() {
  const yTrue: number[] = [];
  const yPred: number[] = [];
  for (let c = 0; c < 10; c++) {
    for (let k = 0; k < 100; k++) {
      yTrue.push(c);
      yPred.push(k < 90 ? c : k < 97 ? (c + 1) % 10 : (c + 2) % 10);
    }
  }
  return { yTrue, yPred };
}

/** Cell rectangles, from the data attributes the chart puts on them. */
function cellRects(svg: string) {
  return elements(svg, 'rect', (a) => a.class === 'cell').map((a) => ({
    row: Number(a['data-row']),
    col: Number(a['data-col']),
    x: Number(a.x),
    y: Number(a.y),
    size: Number(a.width),
    fill: a.fill,
  }));
}

describe('plotConfusionMatrix SVG', () => {
  const { yTrue, yPred } = tenClassData();
  const cm = confusionMatrix(yTrue, yPred);

  it('draws one cell per entry, annotated with integer counts (fmt d), and the axis titles', () => {
    const svg = plotConfusionMatrix(cm, { labels: CLASSES });
    expect(cellRects(svg)).toHaveLength(100);
    expect(svg).toContain('>90</text>');
    expect(svg).toContain('>7</text>');
    expect(svg).toContain('>Predicted label</text>');
    expect(svg).toContain('>True label</text>');
    expect(svg).toContain('>T-shirt/top</text>');
    expect(svg).toContain('linearGradient'); // the colour bar
  });

  it('uses white text on dark cells and dark grey on light ones, like seaborn', () => {
    const svg = plotConfusionMatrix(cm);
    const texts = [...svg.matchAll(/<text [^>]*fill="(#[0-9a-f]{6})"[^>]*>(\d+)<\/text>/g)].map((m) => ({ fill: m[1], value: m[2] }));
    expect(texts.filter((t) => t.value === '90').every((t) => t.fill === '#ffffff')).toBe(true);
    expect(texts.filter((t) => t.value === '0').every((t) => t.fill === '#262626')).toBe(true);
  });

  it("normalizes for display with '.2f' annotations, or a given fmt", () => {
    const svg = plotConfusionMatrix(cm, { normalize: 'true' });
    expect(svg).toContain('>0.90</text>');
    expect(svg).toContain('>0.07</text>');
    const pct = plotConfusionMatrix(confusionMatrix(yTrue, yPred, { normalize: 'true' }), { fmt: '.1%' });
    expect(pct).toContain('>90.0%</text>');
  });

  it('accepts number[][] and {data, shape}, escapes labels, and can skip annotations', () => {
    const svg = plotConfusionMatrix([[11, 2], [3, 47]], { labels: ['<a>', 'b&c'], annotate: false, title: 'x' });
    expect(svg).toContain('&lt;a&gt;');
    expect(svg).toContain('b&amp;c');
    expect(svg).not.toContain('>47</text>');
    expect(plotConfusionMatrix([[11, 2], [3, 47]])).toContain('>47</text>');
    expect(cellRects(plotConfusionMatrix({ data: Float32Array.of(5, 1, 0, 5), shape: [2, 2] }))).toHaveLength(4);
  });

  it('rejects bad inputs with typed errors', () => {
    expect(() => plotConfusionMatrix([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => plotConfusionMatrix(cm, { labels: ['a'] })).toThrow(/labels expected 10 labels/);
    expect(() => plotConfusionMatrix([[0.5, 0.5], [0, 1]], { fmt: 'd' })).toThrow(ValueError);
    expect(() => plotConfusionMatrix(cm, { cmap: 'jet' as never })).toThrow(/cmap expected one of Blues/);
    expect(() => plotConfusionMatrix(confusionMatrix(yTrue, yPred, { normalize: 'pred' }), { normalize: 'true' })).toThrow(ValueError);
  });
});

describe('plotConfusionMatrix PNG pixels', () => {
  it('a 10-class PNG has dark annotated diagonal cells, light off-diagonal cells and text inside cells', async () => {
    const { yTrue, yPred } = tenClassData();
    const svg = plotConfusionMatrix(confusionMatrix(yTrue, yPred), { labels: CLASSES, title: 'Fashion-MNIST' });
    const file = join(dir, 'cm.png');
    await savePlot(svg, file);
    const img = await decodePng(file);
    const cells = cellRects(svg);
    expect(cells).toHaveLength(100);

    const white = near('#ffffff', 60);
    const darkGrey = near('#262626', 90);
    for (const c of cells) {
      const corner = pixel(img, c.x + 3, c.y + 3); // background of the cell, away from the text
      const inner = [c.x + c.size * 0.15, c.y + c.size * 0.25, c.x + c.size * 0.85, c.y + c.size * 0.75] as const;
      if (c.row === c.col) {
        // 90 of 100: the darkest blue, with white digits in the middle.
        expect(luminance(corner)).toBeLessThan(0.1);
        expect(countWhere(img, ...inner, white)).toBeGreaterThan(15);
      } else {
        const count = (c.col - c.row + 10) % 10;
        expect(luminance(corner), `cell ${c.row},${c.col}`).toBeGreaterThan(0.6); // counts ≤ 7 of 90: light
        // Dark-grey digits ('0', '7' or '3') in the middle of light cells.
        expect(countWhere(img, ...inner, darkGrey), `cell ${c.row},${c.col} (${count})`).toBeGreaterThan(10);
      }
      // No text reaches the cell's edges: the rim is the cell colour only.
      const rim = countWhere(img, c.x + 1, c.y + 1, c.x + c.size - 1, c.y + 4, (p) => Math.hypot(p[0] - corner[0], p[1] - corner[1], p[2] - corner[2]) > 30);
      expect(rim, `rim of cell ${c.row},${c.col} at ${c.x},${c.y}`).toBe(0);
    }

    // The same chart without annotations has no text pixels in its cells: the text check above is not vacuous.
    const plain = join(dir, 'cm-plain.png');
    const plainSvg = plotConfusionMatrix(confusionMatrix(yTrue, yPred), { labels: CLASSES, title: 'Fashion-MNIST', annotate: false });
    await savePlot(plainSvg, plain);
    const img2 = await decodePng(plain);
    const d = cellRects(plainSvg).find((c) => c.row === 0 && c.col === 0)!;
    expect(luminance(pixel(img2, d.x + d.size / 2, d.y + d.size / 2))).toBeLessThan(0.1);
    expect(countWhere(img2, d.x + d.size * 0.15, d.y + d.size * 0.25, d.x + d.size * 0.85, d.y + d.size * 0.75, white)).toBe(0);

    // The colour bar runs from dark (top, the maximum) to light (bottom, the minimum).
    const bar = elements(svg, 'rect', (a) => (a.fill ?? '').startsWith('url(#cbar'))[0];
    const bx = Number(bar.x) + Number(bar.width) / 2;
    expect(luminance(pixel(img, bx, Number(bar.y) + 3))).toBeLessThan(0.1);
    expect(luminance(pixel(img, bx, Number(bar.y) + Number(bar.height) - 3))).toBeGreaterThan(0.85);
  });
});
