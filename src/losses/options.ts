/** Option validation shared by the losses (internal). */
import { KernoError, ValueError, expectedMessage } from '../errors.js';

export function flagOption(className: string, name: string, v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  throw new ValueError(expectedMessage(`${className}: option "${name}"`, 'a boolean', v));
}

/** Keras label_smoothing: a number in [0, 1]. */
export function smoothingOption(className: string, v: unknown): number {
  if (typeof v === 'number' && v >= 0 && v <= 1) return v;
  throw new ValueError(expectedMessage(`${className}: option "labelSmoothing"`, 'a number in [0, 1]', v));
}

/** For regression losses, which have no logits form: asking for one is an engine bug. */
export function noLogitsKind(className: string): never {
  throw new KernoError(`${className}.nativeKind expected logits = false (it has no logits form), received true.`);
}
