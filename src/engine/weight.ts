/**
 * A layer's weight (kernel, bias, gamma, moving mean...). Its `value` starts as its own array and
 * is rebound by the model to a view of one flat parameter arena, so the optimizer updates every
 * trainable weight in one native call and a training step allocates nothing.
 */
import type { Initializer } from '../initializers/initializer.js';
import type { Regularizer } from '../regularizers.js';

export interface WeightArgs {
  /** Weight name within its layer, e.g. `'kernel'`, `'bias'`, `'moving_mean'`. */
  name: string;
  /** Shape, e.g. `[inputs, units]` for a Dense kernel (Keras layout). */
  shape: readonly number[];
  /** How to fill the weight when the model is built. */
  initializer: Initializer;
  /** Updated by the optimizer. Defaults to `true`; moving statistics are `false`. */
  trainable?: boolean;
  /** Penalty added to the loss (Keras `kernel_regularizer`). Defaults to none. */
  regularizer?: Regularizer;
}

export class Weight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly size: number;
  readonly initializer: Initializer;
  readonly regularizer: Regularizer | undefined;
  /** Whether the weight itself is trainable (the layer's `trainable` flag also applies). */
  readonly trainable: boolean;
  /**
   * Current value (row-major, `shape`). A view into the model's arena once compiled. On a model
   * compiled for a device (`compile({device: 'cuda'})`) this is the host copy, brought up to date
   * lazily by `model.getWeights()`, saving, and the callbacks that use them; read trained values
   * through those, and write through `model.setWeights` or `loadWeights`.
   */
  value: Float32Array;
  /** Gradient accumulator (same shape), a view into the model's gradient arena; null when frozen. */
  grad: Float32Array | null = null;

  constructor(args: WeightArgs) {
    this.name = args.name;
    this.shape = Object.freeze([...args.shape]);
    this.size = args.shape.reduce((a, b) => a * b, 1);
    this.initializer = args.initializer;
    this.regularizer = args.regularizer;
    this.trainable = args.trainable ?? true;
    this.value = new Float32Array(this.size);
  }

  /** Moves the value into `view` (same length) and makes the weight use it from now on. */
  rebind(view: Float32Array): void {
    view.set(this.value);
    this.value = view;
  }
}
