/**
 * model.summary() against Keras 3.15's text (fixture from scripts/fixtures/make_summary_golden.py),
 * and the layout helpers against Rich's arithmetic.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../../src/engine/sequential.js';
import { columnWidths, readableSize, thousands } from '../../src/engine/summary.js';
import { Dense } from '../../src/layers/dense.js';
import { Input } from '../../src/layers/inputLayer.js';
import { tensor } from '../../src/tensor.js';

const golden = JSON.parse(readFileSync(new URL('../fixtures/keras_summary_golden.json', import.meta.url), 'utf8')) as {
  summaries: Record<string, string>;
};

function mlp(): Sequential {
  return new Sequential([
    Input({ shape: [784] }),
    new Dense({ units: 256, activation: 'relu', name: 'dense' }),
    new Dense({ units: 128, activation: 'relu', name: 'dense_1' }),
    new Dense({ units: 10, activation: 'softmax', name: 'dense_2' }),
  ], { name: 'sequential' });
}

function text(model: Sequential, lineLength = 88): string {
  let out = '';
  model.summary({ lineLength, printFn: (t) => (out = t) });
  return out + '\n';
}

describe('summary', () => {
  it('matches Keras 3 for an MLP at 88 and 76 columns', () => {
    const m = mlp();
    expect(text(m)).toBe(golden.summaries.mlp);
    expect(text(m, 76)).toBe(golden.summaries.mlp_76);
  });

  it('counts a frozen layer as non-trainable', () => {
    const m = mlp();
    m.layers[1].trainable = false;
    expect(text(m)).toBe(golden.summaries.mlp_frozen);
  });

  it('adds the optimizer variables once Adam has run, as Keras', async () => {
    const m = mlp();
    m.compile({ optimizer: 'adam', loss: 'categoricalCrossentropy' });
    const y = new Float32Array(8 * 10);
    for (let i = 0; i < 8; i++) y[i * 10 + i] = 1;
    await m.fit(tensor(new Float32Array(8 * 784), [8, 784]), tensor(y, [8, 10]), { epochs: 1, verbose: 0 });
    expect(text(m)).toBe(golden.summaries.mlp_after_adam_fit);
  });

  it('names the model and its layers', () => {
    const m = new Sequential([new Dense({ units: 2, inputShape: [3], name: 'dense' })], { name: 'tiny' });
    expect(text(m)).toBe(golden.summaries.tiny);
  });

  it('shows unbuilt layers as Keras does', () => {
    const m = new Sequential([new Dense({ units: 2, name: 'lazy' })], { name: 'unbuilt' });
    expect(text(m)).toContain('│ lazy (Dense)                         │ ?                           │     0 (unbuilt) │');
  });

  it('reproduces Rich column widths, Python number and size formats', () => {
    expect(columnWidths(88)).toEqual([38, 29, 17]);
    expect(columnWidths(76)).toEqual([33, 24, 15]);
    expect(thousands(1234567)).toBe('1,234,567');
    expect(thousands(12)).toBe('12');
    expect(readableSize(235146 * 4)).toBe('918.54 KB');
    expect(readableSize(0)).toBe('0.00 B');
    expect(readableSize(1881180)).toBe('1.79 MB');
  });
});
