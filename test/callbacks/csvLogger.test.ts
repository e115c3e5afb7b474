/**
 * CSVLogger against the real Keras 3.15.1, byte for byte: the files Keras's CSVLogger writes for
 * scripted logs (val_ columns added when the first epoch has none, NA, Python float repr, csv
 * quoting, \r\n, append with and without a header, two fits appending to one file).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSVLogger, type CSVLoggerArgs } from '../../src/callbacks/csvLogger.js';
import type { Logs } from '../../src/callbacks/callback.js';
import { dec, golden } from './golden.js';

interface CsvCase { name: string; config: CSVLoggerArgs; existing: string | null; epochs: Record<string, number | string>[]; text: string }

const dir = mkdtempSync(join(tmpdir(), 'kerno-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function logs(raw: Record<string, number | string>): Logs {
  const out: Logs = {};
  for (const [k, v] of Object.entries(raw)) out[k] = dec(v)!;
  return out;
}

describe('CSVLogger (Keras golden files)', () => {
  const cases = (golden.csvLogger as CsvCase[]).filter((c) => c.epochs);
  for (const c of cases) {
    it(c.name, () => {
      const path = join(dir, `${c.name}.csv`);
      if (c.existing !== null) writeFileSync(path, c.existing);
      const cb = new CSVLogger(path, c.config);
      cb.onTrainBegin({});
      c.epochs.forEach((raw, epoch) => cb.onEpochEnd(epoch, logs(raw)));
      cb.onTrainEnd({});
      expect(readFileSync(path, 'utf8')).toBe(c.text);
    });
  }

  it('append_two_fits: one instance, two fits, one header', () => {
    const want = (golden.csvLogger as { name: string; text: string }[]).find((c) => c.name === 'append_two_fits')!.text;
    const path = join(dir, 'two.csv');
    const cb = new CSVLogger(path, { append: true });
    for (const start of [0, 2]) {
      cb.onTrainBegin({});
      for (let e = start; e < start + 2; e++) cb.onEpochEnd(e, { loss: 1 / (e + 1), val_loss: 2 / (e + 1) });
      cb.onTrainEnd({});
    }
    expect(readFileSync(path, 'utf8')).toBe(want);
  });
});

describe('CSVLogger', () => {
  it('writes each row when its epoch ends and creates the folder', () => {
    const path = join(dir, 'sub', 'deeper', 'log.csv');
    const cb = new CSVLogger(path);
    cb.onTrainBegin({});
    cb.onEpochEnd(0, { loss: 0.5, val_loss: 0.25 });
    expect(readFileSync(path, 'utf8')).toBe('epoch,loss,val_loss\r\n0,0.5,0.25\r\n');
  });

  it('validates its arguments and reports unwritable files as KernoError naming the file', () => {
    expect(() => new CSVLogger('')).toThrow(/CSVLogger: argument "filename" expected a non-empty file path/);
    expect(() => new CSVLogger('a.csv', { separator: ';;' })).toThrow(/CSVLogger: option "separator" expected one character/);
    expect(() => new CSVLogger('a.csv', { separator: '"' })).toThrow(/option "separator"/);
    expect(() => new CSVLogger('a.csv', { append: 1 as unknown as boolean })).toThrow(/option "append" expected a boolean/);
    const folder = join(dir, 'isdir');
    mkdirSync(folder);
    const cb = new CSVLogger(folder);
    expect(() => cb.onTrainBegin({})).toThrow(/CSVLogger: could not write ".*isdir"/);
  });
});
