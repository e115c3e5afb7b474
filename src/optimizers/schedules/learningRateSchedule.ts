/**
 * Keras `LearningRateSchedule`: a learning rate as a function of the optimizer step. Optimizers
 * evaluate it at `iterations` (the number of steps applied so far) before each step, so the
 * first step uses `call(0)`.
 */
import { ValueError, expectedMessage } from '../../errors.js';

export abstract class LearningRateSchedule {
  /** Keras class name, e.g. `'ExponentialDecay'`. */
  abstract readonly className: string;

  /** The learning rate at optimizer step `step` (0-based). */
  abstract call(step: number): number;

  abstract getConfig(): Record<string, unknown>;
}

/** Validates a schedule option: a finite number, optionally bounded below (strictly with `exclusive`). */
export function scheduleNumber(className: string, name: string, v: unknown, min = -Infinity, exclusive = false): number {
  if (typeof v === 'number' && Number.isFinite(v) && (exclusive ? v > min : v >= min)) return v;
  const what = min === -Infinity ? 'a finite number' : `a finite number ${exclusive ? '>' : '>='} ${min}`;
  throw new ValueError(expectedMessage(`${className}: option "${name}"`, what, v));
}

/** Validates a boolean option. */
export function scheduleFlag(className: string, name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new ValueError(expectedMessage(`${className}: option "${name}"`, 'a boolean', v));
}
