/**
 * Keras `Zeros`: the default bias initializer.
 */
import type { Initializer } from './initializer.js';
import { checkFill } from './random.js';

export class Zeros implements Initializer {
  readonly className = 'Zeros';

  fill(out: Float32Array, shape: readonly number[], _seed?: bigint): void {
    checkFill(this.className, out, shape);
    out.fill(0);
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}
