/**
 * Keras `Constant`: every element set to `value`.
 */
import type { Initializer } from './initializer.js';
import { checkFill, finiteOption } from './random.js';

export interface ConstantArgs {
  /** Defaults to `0`. */
  value?: number;
}

export class Constant implements Initializer {
  readonly className: string = 'Constant';
  readonly value: number;

  constructor(args: ConstantArgs = {}) {
    this.value = finiteOption(new.target.name, 'value', args.value ?? 0);
  }

  fill(out: Float32Array, shape: readonly number[], _seed?: bigint): void {
    checkFill(this.className, out, shape);
    out.fill(this.value);
  }

  getConfig(): Record<string, unknown> {
    return { value: this.value };
  }
}
