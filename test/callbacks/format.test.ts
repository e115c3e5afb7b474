/**
 * The str.format subset of ModelCheckpoint paths against Python's own str.format (golden cases
 * from scripts/fixtures/make_callbacks_golden.py): every float, int and str spec of the fixture,
 * escapes, and the errors Python raises.
 */
import { describe, expect, it } from 'vitest';
import { type FormatValue, parseFormat, pyFormat } from '../../src/callbacks/format.js';
import { ValueError } from '../../src/errors.js';
import { dec, golden } from './golden.js';

interface Case { template: string; values: Record<string, { int?: number; float?: number | string; str?: string }>; result?: string; error?: string }

function values(v: Case['values']): Record<string, FormatValue> {
  const out: Record<string, FormatValue> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = x.int !== undefined ? BigInt(x.int) : x.str !== undefined ? x.str : dec(x.float as number | string)!;
  }
  return out;
}

describe('pyFormat (Python str.format subset)', () => {
  const cases = golden.format as Case[];

  it('matches Python on every golden case', () => {
    expect(cases.length).toBeGreaterThan(500);
    const failures: string[] = [];
    for (const c of cases) {
      let got: string;
      try {
        got = pyFormat(c.template, values(c.values));
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        got = `error`;
      }
      const want = c.error !== undefined ? 'error' : c.result!;
      if (got !== want) failures.push(`${c.template} ${JSON.stringify(c.values)}: got ${JSON.stringify(got)}, Python ${JSON.stringify(c.error ?? want)}`);
    }
    expect(failures).toEqual([]);
  });

  it('names the missing key and the available ones', () => {
    expect(() => pyFormat('m-{val_acc:.2f}.onnx', { epoch: 1n, val_accuracy: 0.5 }, 'ModelCheckpoint: option "filepath"'))
      .toThrow(/ModelCheckpoint: option "filepath" expected fields that name available values \(epoch, val_accuracy\), received \{val_acc:.2f\}.*"val_acc" is missing/);
  });

  it('reports syntax errors at parse time with the template', () => {
    expect(() => parseFormat('a}b', 'where')).toThrow(/where expected a Python str.format template \(single '}' at index 1/);
    expect(() => parseFormat('{epoch', 'where')).toThrow(/never closed/);
    expect(() => parseFormat('{epoch!r}', 'where')).toThrow(/conversions/);
    expect(() => parseFormat('{a.b}', 'where')).toThrow(/attribute or index access/);
    expect(() => parseFormat('{x:{w}}', 'where')).toThrow(/nested fields/);
    expect(() => parseFormat('{x:#x}', 'where')).toThrow(/not supported/);
    expect(() => parseFormat('{x:b}', 'where')).toThrow(/type 'b'/);
    expect(() => parseFormat(3 as unknown as string, 'where')).toThrow(/where expected a string, received 3/);
    expect(parseFormat('w.{epoch:02d}-{val_loss:.2f}.onnx', 'w').fields).toEqual(['epoch', 'val_loss']);
  });

  it('rounds exact binary ties half to even in every notation', () => {
    expect(pyFormat('{x:.2f}', { x: 0.125 })).toBe('0.12');
    expect(pyFormat('{x:.1e}', { x: 0.125 })).toBe('1.2e-01');
    expect(pyFormat('{x:.2g}', { x: 0.125 })).toBe('0.12');
    expect(pyFormat('{x:.2e}', { x: 5e-324 })).toBe('4.94e-324');
    expect(pyFormat('{x:.3e}', { x: 1.7976931348623157e308 })).toBe('1.798e+308');
  });
});
