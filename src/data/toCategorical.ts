/**
 * `toCategorical`: integer class labels to one-hot rows, as `keras.utils.to_categorical`.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';

/**
 * Converts class labels (integers from 0 to `numClasses - 1`) to a float32 one-hot matrix, for
 * `categoricalCrossentropy`.
 *
 * As in Keras, a trailing axis of length 1 is dropped first, so labels of shape (N) or (N, 1)
 * both give (N, numClasses); in general the result has shape `[...labelShape, numClasses]`.
 *
 * Unlike Keras (which casts to int64 and lets numpy index with them), non-integer, negative or
 * too-large labels are errors rather than silently truncated or wrapped around to the last column.
 *
 * @param y The labels: a Tensor, typed array or (nested) number arrays.
 * @param numClasses Number of classes. Keras default: `max(y) + 1`.
 * @throws ValueError for labels that are not integers in [0, numClasses) or a bad `numClasses`.
 */
export function toCategorical(y: TensorLike, numClasses?: number): Tensor {
  const t = toTensor(y, 'toCategorical(y)');
  if (numClasses !== undefined && (!Number.isSafeInteger(numClasses) || numClasses < 1)) {
    throw new ValueError(expectedMessage('toCategorical(numClasses)', 'a positive integer', numClasses));
  }
  let labelShape = t.shape.slice();
  if (labelShape.length > 1 && labelShape[labelShape.length - 1] === 1) labelShape = labelShape.slice(0, -1);
  const labels = t.data;
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (!Number.isInteger(v) || v < 0) {
      throw new ValueError(
        expectedMessage('toCategorical(y)', 'non-negative integer class labels', v, `At flat index ${i}.`),
      );
    }
    if (v > max) max = v;
  }
  if (numClasses === undefined) {
    if (labels.length === 0) {
      throw new ShapeError(
        expectedMessage('toCategorical(y)', 'at least one label when numClasses is not given', labels),
      );
    }
    numClasses = max + 1;
  } else if (max >= numClasses) {
    const at = Array.prototype.indexOf.call(labels, max) as number;
    throw new ValueError(
      expectedMessage('toCategorical(y)', `class labels in [0, ${numClasses})`, max, `At flat index ${at}; numClasses is ${numClasses}.`),
    );
  }
  const out = new Float32Array(labels.length * numClasses);
  for (let i = 0; i < labels.length; i++) out[i * numClasses + labels[i]] = 1;
  return new Tensor(out, [...labelShape, numClasses]);
}
