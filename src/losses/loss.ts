/**
 * The contract between losses and the engine. A loss names the native kernel it runs (see
 * kernels.h kerno_loss_kind) for probabilities and, when the model's last layer ends in the
 * matching activation, for logits: Keras's TensorFlow backend computes crossentropy from the
 * logits of a softmax/sigmoid output, and kerno does the same by fusing them.
 */
export type TargetKind =
  /** y is one-hot or soft labels with the model's output shape (B, C). */
  | 'categorical'
  /** y holds class indices, shape (B) or (B, 1). */
  | 'sparse'
  /** y has the model's output shape and is compared elementwise (binary labels, regression). */
  | 'elementwise';

export abstract class Loss {
  /** Keras class name, e.g. `'CategoricalCrossentropy'`. */
  abstract readonly className: string;
  /** Keras function name, e.g. `'categorical_crossentropy'` (what `compile` accepts in camelCase). */
  abstract readonly name: string;
  abstract readonly targetKind: TargetKind;
  /** Keras `from_logits`: the model outputs logits. */
  readonly fromLogits: boolean = false;
  /** Keras `label_smoothing` (crossentropies). Defaults to 0. */
  readonly labelSmoothing: number = 0;

  /** The activation this loss fuses with when `fromLogits` is false ('softmax', 'sigmoid'), if any. */
  abstract fusesWith(): 'softmax' | 'sigmoid' | undefined;

  /** The native `kerno_loss_kind` for probabilities (`logits` false) or logits (`logits` true). */
  abstract nativeKind(logits: boolean): number;

  abstract getConfig(): Record<string, unknown>;
}
