/**
 * `computeClassWeight`: sklearn's `compute_class_weight('balanced', ...)`, returned as the
 * `{class: weight}` record that `fit({classWeight})` takes.
 */
import { ShapeError, ValueError, expectedMessage } from '../errors.js';
import { toTensor, type TensorLike } from '../tensor.js';

export interface ComputeClassWeightArgs {
  /** The classes to weigh (usually every distinct label of `y`); each must occur in `y`. Required, as in sklearn. */
  classes: TensorLike;
  /** Integer class labels of shape (N) or (N, 1). One-hot labels must be `argMax`ed first. */
  y: TensorLike;
  /**
   * Per-sample weights of shape (N): class counts become sums of sample weights. sklearn default:
   * none (every sample counts 1).
   */
  sampleWeight?: TensorLike;
}

/** Reads a rank-1 (or (N, 1)) tensor-like into a Float64Array, naming `where` in errors. */
function vector(x: TensorLike, where: string): Float64Array {
  const t = toTensor(x, where);
  if (!(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1))) {
    throw new ShapeError(
      expectedMessage(where, 'shape (N) or (N, 1)', `shape [${t.shape.join(', ')}]`, t.rank === 2 ? 'For one-hot labels pass y.argMax(-1).' : undefined),
    );
  }
  return Float64Array.from(t.data);
}

function checkIntegers(v: Float64Array, where: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new ValueError(expectedMessage(where, 'integer class labels', v[i], `At index ${i}.`));
  }
}

/**
 * Class weights that balance the classes: `n_samples / (n_classes * bincount(y))`, so every class
 * contributes the same total weight. Keys are the entries of `classes`.
 *
 * @example computeClassWeight('balanced', {classes: [0, 1], y: [1, 1, 1, 1, 0, 0]}) // {0: 1.5, 1: 0.75}
 * @param classWeight Only `'balanced'` (pass a dict to `fit` directly for custom weights).
 * @throws ValueError, with sklearn's conditions: a label of `y` not in `classes`, or a class
 * that never occurs in `y`; also non-integer labels and negative or non-finite sample weights.
 */
export function computeClassWeight(classWeight: 'balanced', args: ComputeClassWeightArgs): Record<number, number> {
  if (classWeight !== 'balanced') {
    throw new ValueError(expectedMessage('computeClassWeight(classWeight)', "'balanced'", classWeight));
  }
  if (typeof args !== 'object' || args === null) {
    throw new ValueError(expectedMessage('computeClassWeight(args)', 'an object {classes, y}', args));
  }
  const classes = vector(args.classes, 'computeClassWeight(classes)');
  const y = vector(args.y, 'computeClassWeight(y)');
  checkIntegers(classes, 'computeClassWeight(classes)');
  checkIntegers(y, 'computeClassWeight(y)');
  let w: Float64Array | undefined;
  if (args.sampleWeight !== undefined) {
    w = vector(args.sampleWeight, 'computeClassWeight(sampleWeight)');
    if (w.length !== y.length) {
      throw new ShapeError(expectedMessage('computeClassWeight(sampleWeight)', `${y.length} weights (one per label)`, `${w.length} weights`));
    }
    for (let i = 0; i < w.length; i++) {
      if (!(Number.isFinite(w[i]) && w[i] >= 0)) {
        throw new ValueError(expectedMessage('computeClassWeight(sampleWeight)', 'finite non-negative weights', w[i], `At index ${i}.`));
      }
    }
  }
  const classSet = new Set(classes);
  // Counts per distinct label of y (sklearn's LabelEncoder classes), weighted when asked.
  const counts = new Map<number, number>();
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    if (!classSet.has(label)) {
      throw new ValueError(
        expectedMessage('computeClassWeight(y)', `labels among classes [${[...classSet].join(', ')}]`, label, `At index ${i}; classes should include all valid labels that can be in y.`),
      );
    }
    counts.set(label, (counts.get(label) ?? 0) + (w ? w[i] : 1));
  }
  for (const c of classes) {
    if (!counts.has(c)) {
      throw new ValueError(
        expectedMessage('computeClassWeight(classes)', 'classes that occur in y', c, 'classes should have valid labels that are in y.'),
      );
    }
  }
  let total = 0;
  for (const n of counts.values()) total += n;
  const out: Record<number, number> = {};
  for (const c of classes) out[c] = total / (counts.size * counts.get(c)!);
  return out;
}
