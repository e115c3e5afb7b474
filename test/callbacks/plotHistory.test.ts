/**
 * PlotHistory: the curves of a real fit are written at the end of training, as a PNG (signature
 * and size checked) or an SVG holding one panel per metric; bad paths and options fail at
 * construction, and a reused instance plots only its latest fit.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LambdaCallback } from '../../src/callbacks/lambdaCallback.js';
import { PlotHistory } from '../../src/callbacks/plotHistory.js';
import { Sequential } from '../../src/engine/sequential.js';
import { ValueError } from '../../src/errors.js';
import { Dense } from '../../src/layers/dense.js';
import { setSeed } from '../../src/random.js';
import { tensor } from '../../src/tensor.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-plothistory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fitModel(epochs: number, callbacks: unknown[]) {
  setSeed(1);
  const m = new Sequential([new Dense({ units: 1, inputShape: [2] })]);
  m.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['meanAbsoluteError'] });
  const x = tensor(new Float32Array([0, 1, 1, 0, 1, 1, 2, 1]), [4, 2]), y = tensor(new Float32Array([1, 1, 2, 3]), [4, 1]);
  return m.fit(x, y, { epochs, batchSize: 2, validationData: [x, y], verbose: 0, callbacks: callbacks as never });
}

describe('PlotHistory', () => {
  it('writes a PNG of the curves when training ends, not before', async () => {
    const path = join(dir, 'sub', 'curves.png');
    const seen: boolean[] = [];
    await fitModel(4, [new PlotHistory(path), new LambdaCallback({ onEpochEnd: () => void seen.push(existsSync(path)) })]);
    expect(seen).toEqual([false, false, false, false]);
    const png = readFileSync(path);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBeGreaterThan(100); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(100); // IHDR height
  });

  it('writes an SVG with a panel per metric; a reused instance plots only the latest fit', async () => {
    const path = join(dir, 'curves.svg');
    const cb = new PlotHistory(path, { title: 'run' });
    await fitModel(5, [cb]);
    const first = readFileSync(path, 'utf8');
    await fitModel(2, [cb]);
    const svg = readFileSync(path, 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('loss');
    expect(svg).toContain('mean_absolute_error');
    expect(svg).toContain('validation'); // the legend of the val_ curves
    expect(svg).not.toBe(first);
    // The same two epochs plotted directly give the same chart.
    const again = join(dir, 'again.svg');
    await fitModel(2, [new PlotHistory(again, { title: 'run' })]);
    expect(readFileSync(again, 'utf8')).toBe(svg);
  });

  it('rejects a path that is not .png or .svg, and scale with .svg', () => {
    expect(() => new PlotHistory(join(dir, 'x.jpg'))).toThrow(ValueError);
    expect(() => new PlotHistory(join(dir, 'x.jpg'))).toThrow(`PlotHistory: argument "path" expected a file name ending in '.png' or '.svg', received`);
    expect(() => new PlotHistory(join(dir, 'x.svg'), { scale: 2 })).toThrow('PlotHistory: option "scale" expected');
    expect(() => new PlotHistory(join(dir, 'x.png'), { panelSize: [10, 10] })).toThrow(ValueError);
  });
});
