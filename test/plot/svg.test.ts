/** Chart building blocks: colormaps, seaborn's text-colour rule, ticks, text measurement. */
import { describe, expect, it } from 'vitest';
import { annotationColor, colorAt, relativeLuminance, rgbToHex } from '../../src/plot/colormap.js';
import { esc, niceTicks, textWidth, tickLabel } from '../../src/plot/svg.js';

describe('colormaps', () => {
  it('run from the first to the last anchor colour', () => {
    expect(rgbToHex(colorAt('Blues', 0))).toBe('#f7fbff');
    expect(rgbToHex(colorAt('Blues', 1))).toBe('#08306b');
    expect(rgbToHex(colorAt('viridis', 0))).toBe('#440154');
    expect(rgbToHex(colorAt('viridis', 1))).toBe('#fde725');
    expect(rgbToHex(colorAt('Blues', 2))).toBe('#08306b'); // clamped
  });

  it("switch annotations to white where seaborn does (luminance ≤ 0.408)", () => {
    expect(annotationColor(colorAt('Blues', 1))).toBe('#ffffff');
    expect(annotationColor(colorAt('Blues', 0))).toBe('#262626');
    expect(annotationColor(colorAt('viridis', 1))).toBe('#262626'); // yellow end is light
    expect(annotationColor(colorAt('viridis', 0))).toBe('#ffffff');
    expect(relativeLuminance([255, 255, 255])).toBeCloseTo(1, 12);
    // Blues turns white-on-dark a little past the middle of the ramp.
    const t = Array.from({ length: 101 }, (_, i) => i / 100).find((x) => annotationColor(colorAt('Blues', x)) === '#ffffff')!;
    expect(t).toBeGreaterThan(0.4);
    expect(t).toBeLessThan(0.7);
  });
});

describe('svg helpers', () => {
  it('choose round ticks like matplotlib', () => {
    expect(niceTicks(0, 97, 6, true)).toEqual([0, 20, 40, 60, 80]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(1, 30, 8, true)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(tickLabel(0.25, 0.25)).toBe('0.25');
    expect(tickLabel(0.5, 0.25)).toBe('0.50');
    expect(tickLabel(25, 25)).toBe('25');
    expect(tickLabel(1e-4, 1e-4)).toBe('1e-4');
  });

  it('measure DejaVu Sans text and escape markup', () => {
    expect(textWidth('0', 2048)).toBe(1303); // the font's own advance width
    expect(textWidth('W', 12)).toBeGreaterThan(textWidth('i', 12) * 3);
    expect(esc(`<a href="x">&'`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });
});
