/**
 * What EarlyStopping, ReduceLROnPlateau and ModelCheckpoint share (Keras
 * `keras/src/callbacks/monitor_callback.py`): resolving `mode: 'auto'` to a direction from the
 * model's loss and metrics, the improvement test, and option validation with kerno's one message
 * format. Internal; the callbacks are the public API.
 */
import type { Model } from '../engine/model.js';
import { KernoError, ValueError, expectedMessage } from '../errors.js';
import type { Optimizer } from '../optimizers/optimizer.js';

/** `'min'`: lower is better; `'max'`: higher is better; `'auto'`: the loss is minimised, a metric declares its direction. */
export type MonitorMode = 'auto' | 'min' | 'max';

/**
 * Keras `_set_monitor_op`: `'min'`/`'max'` as given; in `'auto'` the monitored name without its
 * `val_` prefix is the loss (minimised) or a compiled metric, whose declared direction decides.
 * Anything else cannot be told apart and is an error asking for an explicit mode.
 */
export function resolveDirection(className: string, monitor: string, mode: MonitorMode, model: Model | undefined): 'min' | 'max' {
  if (mode !== 'auto') return mode;
  const name = monitor.startsWith('val_') ? monitor.slice(4) : monitor;
  let direction: 'min' | 'max' | undefined = name === 'loss' ? 'min' : undefined;
  for (const m of model?.metrics ?? []) if (m.name === name) direction = m.direction;
  if (direction) return direction;
  const known = ['loss', ...(model?.metrics ?? []).map((m) => m.name)].join(', ');
  throw new ValueError(expectedMessage(`${className}: option "mode"`, `'min' or 'max' for monitor "${monitor}"`, 'auto',
    `kerno cannot tell whether "${monitor}" should be maximized or minimized: 'auto' knows the loss and the compiled ` +
    `metrics (${known}), with or without the val_ prefix. Pass mode: 'max' to monitor the highest value or mode: 'min' for the lowest.`));
}

/**
 * Keras `_is_improvement`: no reference yet counts as an improvement; otherwise
 * `current − minDelta < reference` ('min', minDelta ≥ 0 subtracted in the direction of progress)
 * or `current − minDelta > reference` ('max'). Keras compares with `ops.less`/`ops.greater`,
 * which turn the Python floats into float32 tensors first, so both sides are rounded to float32:
 * 0.30000001 does not improve on 0.3. A NaN never compares true (but is an improvement when
 * nothing was recorded yet, as in Keras).
 */
export function isImprovement(direction: 'min' | 'max', minDelta: number, current: number, reference: number | undefined): boolean {
  if (reference === undefined) return true;
  const b = Math.fround(reference);
  return direction === 'min' ? Math.fround(current + minDelta) < b : Math.fround(current - minDelta) > b;
}

/** Emits each distinct warning once per training run (Python prints a repeated warning once). */
export class Warnings {
  readonly #seen = new Set<string>();

  reset(): void {
    this.#seen.clear();
  }

  warn(message: string): void {
    if (this.#seen.has(message)) return;
    this.#seen.add(message);
    process.emitWarning(message, 'UserWarning');
  }
}

/** The model a hook runs with; hooks called outside fit without `setModel` get a clear error. */
export function requireModel(className: string, model: Model | undefined): Model {
  if (model) return model;
  throw new KernoError(`${className}: no model is set; pass the callback to model.fit({callbacks: [...]}) or call setModel(model) first.`);
}

/**
 * The optimizer's learning rate as a number, read as Keras reads its float32 variable
 * (`float(optimizer.learning_rate)`), so logs and messages print Keras's values
 * (0.0010000000474974513 for 0.001). With a schedule, the rate the next step will use.
 */
export function readLearningRate(className: string, model: Model): number {
  return Math.fround(requireOptimizer(className, model).currentLearningRate());
}

/** Sets a numeric learning rate; an optimizer created with a schedule refuses, as in Keras. */
export function writeLearningRate(className: string, model: Model, lr: number): void {
  const optimizer = requireOptimizer(className, model);
  if (typeof optimizer.learningRate !== 'number') {
    throw new KernoError(expectedMessage(`${className}: the optimizer's learningRate`, 'a number it can change',
      optimizer.learningRate, 'The optimizer was created with a LearningRateSchedule, so its learning rate is not settable (as in Keras); ' +
      'create it with a number as learningRate to use this callback.'));
  }
  optimizer.learningRate = lr;
}

function requireOptimizer(className: string, model: Model): Optimizer {
  const optimizer = model.optimizer;
  if (optimizer) return optimizer;
  throw new KernoError(`${className}: the model has no optimizer; compile it first.`);
}

/** Option validation for the callbacks, in one message format. */
export class Options {
  constructor(readonly className: string, args: unknown, known: readonly string[]) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new ValueError(expectedMessage(`${className}: argument "args"`, 'an options object', args));
    }
    for (const key of Object.keys(args)) {
      // A misspelt option would be silently ignored: name the valid ones instead.
      if (!known.includes(key)) throw new ValueError(expectedMessage(`${className}: option "${key}"`, `one of the options ${known.join(', ')}`, key));
    }
  }

  where(name: string): string {
    return `${this.className}: option "${name}"`;
  }

  string(name: string, v: unknown, dflt?: string): string {
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v === 'string' && v.length > 0) return v;
    throw new ValueError(expectedMessage(this.where(name), 'a non-empty string', v));
  }

  mode(v: unknown): MonitorMode {
    if (v === undefined) return 'auto';
    if (v === 'auto' || v === 'min' || v === 'max') return v;
    throw new ValueError(expectedMessage(this.where('mode'), "'auto', 'min' or 'max'", v));
  }

  int(name: string, v: unknown, dflt: number, min = 0): number {
    if (v === undefined) return dflt;
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
    throw new ValueError(expectedMessage(this.where(name), min === 0 ? 'a non-negative integer' : `an integer >= ${min}`, v));
  }

  finite(name: string, v: unknown, dflt: number): number {
    if (v === undefined) return dflt;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    throw new ValueError(expectedMessage(this.where(name), 'a finite number', v));
  }

  optionalFinite(name: string, v: unknown): number | undefined {
    return v === undefined ? undefined : this.finite(name, v, 0);
  }

  bool(name: string, v: unknown, dflt: boolean): boolean {
    if (v === undefined) return dflt;
    if (typeof v === 'boolean') return v;
    throw new ValueError(expectedMessage(this.where(name), 'a boolean', v));
  }

  verbose(v: unknown): number {
    return this.int('verbose', v, 0);
  }
}
