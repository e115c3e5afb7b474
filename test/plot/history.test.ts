/**
 * Training-history curves: panel choice, val_ twins, learning-rate markers, errors, and the
 * rendered PNG's pixels (both curves drawn, loss going down, dashed markers where the rate changed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ShapeError, ValueError } from '../../src/errors.js';
import { plotHistory, savePlot } from '../../src/plot/index.js';
import { countWhere, decodePng, elements, near } from './pixels.js';

const dir = mkdtempSync(join(tmpdir(), 'kerno-plot-history-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A Keras-shaped History: 12 epochs, learning rate cut after epochs 5 and 9 (0-based 4 and 8). */
function history() {
  const n = 12;
  const lr = Array.from({ length: n }, (_, e) => (e < 5 ? 1e-3 : e < 9 ? 1e-4 : 1e-5));
  const loss = Array.from({ length: n }, (_, e) => 1.2 * Math.exp(-e / 3) + 0.2);
  return {
    history: {
      loss,
      accuracy: loss.map((l) => 1 - l / 2),
      val_loss: loss.map((l, e) => l + 0.05 + e * 0.01),
      val_accuracy: loss.map((l) => 0.97 - l / 2),
      learning_rate: lr,
    },
    epoch: Array.from({ length: n }, (_, e) => e),
  };
}

const TRAIN = '#4c72b0';
const VAL = '#dd8452';
const isDashed = (a: Record<string, string>) => a['stroke-dasharray'] !== undefined && a.x1 === a.x2;

describe('plotHistory SVG', () => {
  it('plots loss first, then each metric, with its val_ twin, and no learning-rate panel', () => {
    const svg = plotHistory(history());
    const titles = [...svg.matchAll(/font-size="14"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
    expect(titles).toEqual(['loss', 'accuracy']);
    const paths = elements(svg, 'path');
    expect(paths.map((p) => p.stroke)).toEqual([TRAIN, VAL, TRAIN, VAL]);
    expect(paths[0].d.match(/[ML]/g)).toHaveLength(12);
  });

  it('marks each learning-rate change with a dashed line and the new rate, per panel', () => {
    const svg = plotHistory(history());
    expect(elements(svg, 'line', isDashed).filter((a) => a.stroke === '#6b6b6b')).toHaveLength(4); // 2 changes × 2 panels
    expect(svg).toContain('>lr 1e-4</text>');
    expect(svg).toContain('>lr 1e-5</text>');
    expect(svg).toContain('>learning-rate change</text>');
    const off = plotHistory(history(), { markLearningRate: false });
    expect(off).not.toContain('lr 1e-4');
  });

  it('honours metrics, title, and breaks lines at non-finite values', () => {
    const h = history();
    h.history.val_loss[3] = NaN;
    const svg = plotHistory(h, { metrics: ['loss'], title: 'Run 1' });
    expect(svg).toContain('>Run 1</text>');
    const val = elements(svg, 'path').find((p) => p.stroke === VAL)!;
    expect(val.d.match(/M/g)).toHaveLength(2); // two segments around the gap
  });

  it('rejects unknown metrics (listing the keys) and malformed histories', () => {
    expect(() => plotHistory(history(), { metrics: ['f1'] })).toThrow(/metrics expected keys of history.history \(loss, accuracy, val_loss, val_accuracy, learning_rate\), received "f1"/);
    expect(() => plotHistory({ loss: [1] } as never)).toThrow(ValueError);
    expect(() => plotHistory({ history: { loss: [1, 2, 3] }, epoch: [0] })).toThrow(ShapeError);
    expect(() => plotHistory({ history: { learning_rate: [1] } })).toThrow(/at least one metric/);
  });
});

describe('plotHistory PNG pixels', () => {
  it('draws both curves, loss decreasing, and dashed learning-rate lines', async () => {
    const svg = plotHistory(history());
    const file = join(dir, 'history.png');
    await savePlot(svg, file);
    const img = await decodePng(file);
    const all = [0, 0, img.width, img.height] as const;
    expect(countWhere(img, ...all, near(TRAIN, 30))).toBeGreaterThan(500);
    expect(countWhere(img, ...all, near(VAL, 30))).toBeGreaterThan(500);

    // In the loss panel (the left half), training pixels sit higher on the left than on the right.
    const plot = elements(svg, 'rect', (a) => a.fill === '#eaeaf2')[0];
    const [x0, y0, w, h] = [Number(plot.x), Number(plot.y), Number(plot.width), Number(plot.height)];
    const meanY = (xa: number, xb: number) => {
      let sum = 0;
      let n = 0;
      for (let y = Math.ceil(y0); y < y0 + h; y++) {
        for (let x = Math.ceil(xa); x < xb; x++) {
          if (near(TRAIN, 30)([img.data[(y * img.width + x) * 3], img.data[(y * img.width + x) * 3 + 1], img.data[(y * img.width + x) * 3 + 2]])) {
            sum += y;
            n++;
          }
        }
      }
      return sum / n;
    };
    expect(meanY(x0, x0 + w * 0.2)).toBeLessThan(meanY(x0 + w * 0.8, x0 + w) - h * 0.3);

    // Each dashed marker column is grey in dashes (5 on, 4 off): neither empty nor solid.
    const dashed = elements(svg, 'line', isDashed);
    expect(dashed).toHaveLength(4);
    for (const line of dashed) {
      const x = Number(line.x1);
      const y1 = Number(line.y1) + 20; // below the rate label
      const y2 = Number(line.y2);
      let rows = 0;
      for (let y = Math.ceil(y1); y < y2; y++) if (countWhere(img, x - 1, y, x + 2, y + 1, near('#6b6b6b', 60)) > 0) rows++;
      const fraction = rows / (y2 - y1);
      expect(fraction).toBeGreaterThan(0.35);
      expect(fraction).toBeLessThan(0.85);
    }
  });
});
