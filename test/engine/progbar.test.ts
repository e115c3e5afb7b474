/**
 * Progress output in Keras 3's formats (keras/src/utils/progbar.py, callbacks/progbar_logger.py):
 * verbose 2 one line per epoch, verbose 1 a live bar on a TTY and only the final line elsewhere.
 */
import { describe, expect, it } from 'vitest';
import { ProgbarLogger, formatTimePerUnit, formatValue } from '../../src/engine/progbar.js';
import { blobs, mlp } from './helpers.js';

function capture(isTTY: boolean): { out: { write: (s: string) => void; isTTY: boolean }; text: () => string } {
  let buf = '';
  return { out: { write: (s) => void (buf += s), isTTY }, text: () => buf };
}

const { x, y } = blobs(24, 3, 2);

async function train(verbose: 0 | 1 | 2, isTTY: boolean, epochs = 2): Promise<string> {
  const model = mlp(3, 4, 2);
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  const c = capture(isTTY);
  await model.fit(x, y, { epochs, batchSize: 8, verbose, validationData: [x, y], callbacks: [new ProgbarLogger(c.out)] });
  return c.text();
}

const STEP = '\\d+(us|ms|s)/step';
const METRICS = 'accuracy: \\d\\.\\d{4} - loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4}';

describe('progress output', () => {
  it('verbose 2 prints Epoch i/n and one line per epoch', async () => {
    const text = await train(2, false);
    expect(text).toMatch(new RegExp(`^Epoch 1/2\\n3/3 - \\d+s - ${STEP} - ${METRICS}\\nEpoch 2/2\\n3/3 - \\d+s - ${STEP} - ${METRICS}\\n$`));
  });

  it('verbose 1 on a non-TTY prints only the final line of each epoch, without colour codes', async () => {
    const text = await train(1, false);
    expect(text).toMatch(new RegExp(`^Epoch 1/2\\n3/3 ━{20} \\d+s ${STEP} - ${METRICS}\\nEpoch 2/2\\n3/3 ━{20} \\d+s ${STEP} - ${METRICS}\\n$`));
  });

  it('verbose 1 on a TTY redraws the bar in place with colours and ends each epoch with a newline', async () => {
    const text = await train(1, true, 1);
    expect(text.startsWith('\r')).toBe(true);
    expect(text).toContain('\x1b[1m3/3\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(2);
  });

  it('verbose 0 prints nothing; a single epoch has no Epoch header', async () => {
    expect(await train(0, false)).toBe('');
    expect(await train(2, false, 1)).not.toContain('Epoch');
  });

  it('formats values and times as Keras', () => {
    expect(formatValue(0.5)).toBe('0.5000');
    expect(formatValue(1.23456e-4)).toBe('1.2346e-04');
    expect(formatValue(-2e-5)).toBe('-2.0000e-05');
    expect(formatValue(12345.678)).toBe('12345.6780');
    expect(formatValue(-0.5, true)).toBe('-5.0000e-01');
    expect(formatTimePerUnit(0.0123, 'step')).toBe(' 12ms/step');
    expect(formatTimePerUnit(0.0000456, 'step')).toBe(' 46us/step');
    expect(formatTimePerUnit(2.4, 'step')).toBe(' 2s/step');
  });
});
