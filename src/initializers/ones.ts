/**
 * Keras `Ones` (BatchNormalization's gamma and moving variance start here).
 */
import type { Initializer } from './initializer.js';
import { checkFill } from './random.js';

export class Ones implements Initializer {
  readonly className = 'Ones';

  fill(out: Float32Array, shape: readonly number[], _seed?: bigint): void {
    checkFill(this.className, out, shape);
    out.fill(1);
  }

  getConfig(): Record<string, unknown> {
    return {};
  }
}
