/**
 * Keras's progress output (keras/src/utils/progbar.py and callbacks/progbar_logger.py, Keras 3):
 *
 * - verbose 1 on a TTY: a live bar redrawn at most every 50 ms,
 *   `12/50 ━━━━━━━━━━━━━━━━━━━━ 3s 25ms/step - accuracy: 0.8123 - loss: 0.5012`, with ETA while
 *   running and the elapsed time on the final line. On a non-TTY (a log file, CI) only the final
 *   line of each epoch is printed, without colour codes.
 * - verbose 2: one line per epoch, `50/50 - 1s - 25ms/step - accuracy: 0.8123 - loss: 0.5012`.
 * - `Epoch 3/10` before each epoch when `epochs > 1`.
 *
 * Values print as Keras does: `.4f`, or `.4e` when |value| ≤ 1e-3; times per step in s, ms or us.
 */
import { Callback, type CallbackParams, type Logs } from '../callbacks/callback.js';

/** Where progress text goes; defaults to process.stdout. */
export interface ProgressOutput {
  write(text: string): void;
  /** Whether the output is a terminal (live redrawing). */
  isTTY: boolean;
}

function stdoutOutput(): ProgressOutput {
  return { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true };
}

/** Python's `{:.4e}`: two-digit exponent at least (`1.2340e-04`). */
function exp4(v: number): string {
  const [mant, e] = v.toExponential(4).split('e');
  const sign = e.startsWith('-') ? '-' : '+';
  const digits = e.replace(/^[-+]/, '');
  return `${mant}e${sign}${digits.padStart(2, '0')}`;
}

/** Keras's value format: `.4f` above 1e-3 in magnitude, `.4e` otherwise (verbose 2 tests the signed value). */
export function formatValue(v: number, signed = false): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  return (signed ? v > 1e-3 : Math.abs(v) > 1e-3) ? v.toFixed(4) : exp4(v);
}

/** Keras `_format_time`: ` 3s/step`, ` 25ms/step` or ` 812us/step`. */
export function formatTimePerUnit(seconds: number, unit: string): string {
  if (seconds >= 1 || seconds === 0) return ` ${seconds.toFixed(0)}s/${unit}`;
  if (seconds >= 1e-3) return ` ${(seconds * 1e3).toFixed(0)}ms/${unit}`;
  return ` ${(seconds * 1e6).toFixed(0)}us/${unit}`;
}

function formatEta(eta: number): string {
  const s = Math.floor(eta);
  if (eta > 3600) return `${Math.floor(s / 3600)}:${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  if (eta > 60) return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  return `${s}s`;
}

const BOLD = '\x1b[1m', GREEN = '\x1b[32m', GREY = '\x1b[37m', RESET = '\x1b[0m';

/** One progress bar (Keras `Progbar` with all metrics stateful, as ProgbarLogger uses it). */
export class Progbar {
  target: number | null;
  readonly #verbose: number;
  readonly #out: ProgressOutput;
  readonly #width = 20;
  readonly #interval = 0.05;
  readonly #start = performance.now() / 1000;
  #lastUpdate = 0;
  #timeAfterFirstStep: number | undefined;
  #prevWidth = 0;

  constructor(target: number | null, verbose: number, out: ProgressOutput) {
    this.target = target;
    this.#verbose = verbose;
    this.#out = out;
  }

  /** Keras `_estimate_step_duration`: ignores the first (warm-up) step once there are more. */
  #stepDuration(current: number, now: number): number {
    if (!current) return 0;
    const t = this.#timeAfterFirstStep !== undefined && current > 1
      ? (now - this.#timeAfterFirstStep) / (current - 1)
      : (now - this.#start) / current;
    if (current === 1) this.#timeAfterFirstStep = now;
    return t;
  }

  update(current: number, logs: Logs, finalize: boolean, unit = 'step'): void {
    const now = performance.now() / 1000;
    const perUnit = this.#stepDuration(current, now);
    const target = this.target;
    if (this.#verbose === 1) {
      const live = this.#out.isTTY;
      if (!finalize && (!live || now - this.#lastUpdate < this.#interval)) return;
      const paint = (code: string, s: string): string => (live ? code + s + RESET : s);
      let bar: string;
      if (target !== null && target > 0) {
        const digits = String(target).length;
        bar = paint(BOLD, `${String(current).padStart(digits)}/${target}`) + ' ';
        const done = Math.floor((this.#width * current) / target);
        if (done > 0) bar += paint(GREEN, '━'.repeat(done));
        bar += paint(GREY, '━'.repeat(this.#width - done));
      } else {
        bar = `${String(current).padStart(7)}/Unknown`;
      }
      let info = target !== null && target > 0 && !finalize
        ? ' ' + paint(BOLD, formatEta(perUnit * (target - current)))
        : ' ' + paint(BOLD, `${(now - this.#start).toFixed(0)}s`);
      info += formatTimePerUnit(perUnit, unit);
      for (const [k, v] of Object.entries(logs)) info += ` - ${k}: ${formatValue(v)}`;
      // eslint-disable-next-line no-control-regex
      const width = (bar + info).replace(/\x1b\[[0-9;]*m/g, '').length;
      let message = live ? '\r' + bar + info : bar + info;
      if (live && this.#prevWidth > width) message += ' '.repeat(this.#prevWidth - width);
      if (finalize) message += '\n';
      this.#out.write(message);
      this.#prevWidth = width;
    } else if (this.#verbose === 2 && finalize && target !== null && target > 0) {
      let info = `${String(current).padStart(String(target).length)}/${target} - ${(now - this.#start).toFixed(0)}s -`;
      info += formatTimePerUnit(perUnit, unit);
      for (const [k, v] of Object.entries(logs)) info += ` - ${k}: ${formatValue(v, true)}`;
      this.#out.write(info + '\n');
    }
    this.#lastUpdate = now;
  }
}

/**
 * Keras's ProgbarLogger: the callback `fit`, `evaluate` and `predict` add last when verbose is
 * not 0. Inside `fit` the validation pass is silent.
 */
export class ProgbarLogger extends Callback {
  #verbose = 1;
  #epochs = 1;
  #target: number | null = null;
  #seen = 0;
  #bar: Progbar | undefined;
  #inFit = false;
  readonly #out: ProgressOutput;

  /** @param out - where the text goes and whether it is a terminal. Defaults to process.stdout. */
  constructor(out: ProgressOutput = stdoutOutput()) {
    super();
    this.#out = out;
  }

  override setParams(params: CallbackParams): void {
    super.setParams(params);
    this.#verbose = params.verbose;
    this.#epochs = params.epochs;
    this.#target = params.steps;
  }

  #reset(): void {
    this.#seen = 0;
    this.#bar = undefined;
  }

  #bar_(): Progbar {
    return (this.#bar ??= new Progbar(this.#target, this.#verbose, this.#out));
  }

  #update(batch: number, logs: Logs): void {
    this.#seen = batch + 1;
    if (this.#verbose === 1) this.#bar_().update(this.#seen, logs, false);
  }

  #finalize(logs: Logs): void {
    const bar = this.#bar_();
    if (this.#target === null) {
      this.#target = this.#seen;
      bar.target = this.#seen;
    }
    bar.update(this.#target, logs, true);
  }

  override onTrainBegin(): void {
    this.#inFit = true;
  }

  override onTestBegin(): void {
    if (!this.#inFit) {
      this.#reset();
      this.#bar_();
    }
  }

  override onPredictBegin(): void {
    this.#reset();
    this.#bar_();
  }

  override onEpochBegin(epoch: number): void {
    this.#reset();
    // Created now so that the elapsed time and ms/step include the whole epoch.
    this.#bar_();
    if (this.#verbose && this.#epochs > 1) this.#out.write(`Epoch ${epoch + 1}/${this.#epochs}\n`);
  }

  override onTrainBatchEnd(batch: number, logs: Logs): void {
    this.#update(batch, logs);
  }

  override onTestBatchEnd(batch: number, logs: Logs): void {
    if (!this.#inFit) this.#update(batch, logs);
  }

  override onPredictBatchEnd(batch: number): void {
    this.#update(batch, {});
  }

  override onEpochEnd(_epoch: number, logs: Logs): void {
    this.#finalize(logs);
  }

  override onTestEnd(logs: Logs): void {
    if (!this.#inFit) this.#finalize(logs);
  }

  override onPredictEnd(): void {
    this.#finalize({});
  }
}
