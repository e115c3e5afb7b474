/**
 * The error a malformed, truncated, hostile or unsupported model file produces. Files are
 * untrusted input: every problem the reader finds is reported with this type, naming the field
 * (`ModelProto.graph.initializer[3].dims`) or the layer it concerns, never as a crash.
 */
import { KernoError } from '../../errors.js';

export class ModelFormatError extends KernoError {
  override name = 'ModelFormatError';
}

/** `${where} expected ${expected}, received ${received}.` as a ModelFormatError (errors.ts format). */
export function formatError(where: string, expected: string, received: string, hint?: string): ModelFormatError {
  return new ModelFormatError(`${where} expected ${expected}, received ${received}.${hint ? ' ' + hint : ''}`);
}
