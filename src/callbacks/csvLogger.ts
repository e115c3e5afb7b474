/**
 * CSVLogger (Keras `keras.callbacks.CSVLogger`): writes one row per epoch to a CSV file, as the
 * real Keras writes it (golden-tested byte for byte):
 * - columns `epoch` (0-based) then the first epoch's log keys, sorted; if none of them starts with
 *   `val_`, a `val_<key>` column is added for each key (validation may start later);
 * - a key missing from an epoch's logs is written `NA`; keys that appear later are not added;
 * - numbers as Python prints floats (`0.5`, `1e-05`, `3.0`, `nan`); Python's csv module's excel
 *   dialect: `\r\n` line ends, fields holding the separator or a quote are quoted;
 * - `append: true` continues an existing file and writes the header only when the file is missing
 *   or empty; otherwise the file is truncated at the start of training.
 * Each row is written when its epoch ends, so an interrupted training keeps its rows.
 */
import { appendFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { KernoError, ValueError, expectedMessage } from '../errors.js';
import { codePointLength, formatRepr } from '../metrics/pyFormat.js';
import { Callback, type Logs } from './callback.js';
import { Options } from './monitor.js';

export interface CSVLoggerArgs {
  /** One character separating the fields. Defaults to `','`. */
  separator?: string;
  /** Append to an existing file (to continue a training) instead of overwriting it. Defaults to `false`. */
  append?: boolean;
}

export class CSVLogger extends Callback {
  readonly filename: string;
  readonly separator: string;
  readonly append: boolean;

  /** The columns after `epoch`, fixed by the first epoch of a training. */
  #keys: string[] | undefined;
  #writeHeader = true;

  constructor(filename: string, args: CSVLoggerArgs = {}) {
    super();
    if (typeof filename !== 'string' || filename.length === 0) {
      throw new ValueError(expectedMessage('CSVLogger: argument "filename"', 'a non-empty file path', filename));
    }
    const o = new Options('CSVLogger', args, ['separator', 'append']);
    const sep = args.separator ?? ',';
    if (typeof sep !== 'string' || codePointLength(sep) !== 1 || sep === '"' || sep === '\r' || sep === '\n') {
      throw new ValueError(expectedMessage(o.where('separator'), 'one character other than a quote or a line break', sep));
    }
    this.filename = filename;
    this.separator = sep;
    this.append = o.bool('append', args.append, false);
  }

  override onTrainBegin(_logs?: Logs): void {
    this.#io(() => {
      mkdirSync(dirname(this.filename), { recursive: true });
      if (this.append) {
        // Keras writes the header unless the file already has a first line.
        try {
          this.#writeHeader = statSync(this.filename).size === 0;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          this.#writeHeader = true;
        }
      } else {
        writeFileSync(this.filename, '');
        this.#writeHeader = true;
      }
    });
    this.#keys = undefined;
  }

  override onEpochEnd(epoch: number, logs: Logs = {}): void {
    let text = '';
    if (this.#keys === undefined) {
      const keys = Object.keys(logs).sort();
      if (keys.length > 0 && !keys.some((k) => k.startsWith('val_'))) keys.push(...keys.map((k) => `val_${k}`));
      this.#keys = keys;
      if (this.#writeHeader) text += this.#row(['epoch', ...keys]);
    }
    const values = this.#keys.map((k) => {
      const v = (logs as Record<string, unknown>)[k];
      return v === undefined || v === null ? 'NA' : typeof v === 'number' ? formatRepr(v) : String(v);
    });
    text += this.#row([String(epoch), ...values]);
    this.#io(() => appendFileSync(this.filename, text));
  }

  override onTrainEnd(_logs?: Logs): void {
    this.#keys = undefined;
  }

  /** Python csv QUOTE_MINIMAL in the excel dialect. */
  #row(fields: string[]): string {
    const sep = this.separator;
    const quoted = fields.map((f) => (f.includes(sep) || f.includes('"') || f.includes('\r') || f.includes('\n') ? `"${f.replaceAll('"', '""')}"` : f));
    return quoted.join(sep) + '\r\n';
  }

  #io(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      throw new KernoError(`CSVLogger: could not write "${this.filename}": ${(e as Error).message}`);
    }
  }
}
