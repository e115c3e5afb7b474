/** savePlot: SVG and PNG output, scale, and atomic replacement (a failed save keeps the old file). */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ValueError } from '../../src/errors.js';
import { plotConfusionMatrix, renderPng, savePlot } from '../../src/plot/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-plot-save-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const svg = plotConfusionMatrix([[5, 1], [2, 7]], { labels: ['cat', 'dog'] });

describe('savePlot', () => {
  it('writes the SVG text as is', async () => {
    const file = join(dir, 'cm.svg');
    await savePlot(svg, file);
    expect(readFileSync(file, 'utf8')).toBe(svg);
  });

  it('writes a PNG whose size is the SVG size times scale', async () => {
    const width = Number(/width="(\d+)"/.exec(svg)![1]);
    const file = join(dir, 'cm.png');
    await savePlot(svg, file, { scale: 2 });
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(width * 2);
    expect((await sharp(await renderPng(svg)).metadata()).width).toBe(width);
  });

  it('keeps the previous file and leaves no temporary file when rendering fails', async () => {
    const file = join(dir, 'keep.png');
    writeFileSync(file, 'previous');
    await expect(savePlot('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect', file)).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('previous');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps the previous file when the target cannot be replaced', async () => {
    const target = join(dir, 'a-directory.svg');
    mkdirSync(target); // a non-empty directory cannot be replaced by rename
    writeFileSync(join(target, 'x'), 'x');
    await expect(savePlot(svg, target)).rejects.toThrow();
    expect(readFileSync(join(target, 'x'), 'utf8')).toBe('x');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rejects unknown extensions and bad arguments before writing anything', async () => {
    await expect(savePlot(svg, join(dir, 'cm.jpg'))).rejects.toThrow(ValueError);
    await expect(savePlot('not svg', join(dir, 'x.svg'))).rejects.toThrow(ValueError);
    await expect(savePlot(svg, join(dir, 'x.png'), { scale: 0 })).rejects.toThrow(/scale expected a number in \(0, 16\]/);
    expect(readdirSync(dir)).not.toContain('cm.jpg');
    expect(readdirSync(dir)).not.toContain('x.svg');
  });
});
