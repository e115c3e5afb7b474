/**
 * Losses with Keras's names, options and formulas, and `getLoss`, which resolves the names
 * `compile` accepts.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { BinaryCrossentropy } from './binaryCrossentropy.js';
import { CategoricalCrossentropy } from './categoricalCrossentropy.js';
import { Huber } from './huber.js';
import { Loss } from './loss.js';
import { MeanAbsoluteError } from './meanAbsoluteError.js';
import { MeanSquaredError } from './meanSquaredError.js';
import { SparseCategoricalCrossentropy } from './sparseCategoricalCrossentropy.js';

export { Loss, type TargetKind } from './loss.js';
export { CategoricalCrossentropy, type CategoricalCrossentropyArgs } from './categoricalCrossentropy.js';
export { SparseCategoricalCrossentropy, type SparseCategoricalCrossentropyArgs } from './sparseCategoricalCrossentropy.js';
export { BinaryCrossentropy, type BinaryCrossentropyArgs } from './binaryCrossentropy.js';
export { MeanSquaredError } from './meanSquaredError.js';
export { MeanAbsoluteError } from './meanAbsoluteError.js';
export { Huber, type HuberArgs } from './huber.js';

/** Loss names `compile` accepts: Keras's function names in camelCase, and Keras's aliases `mse`, `mae`. */
export type LossIdentifier =
  | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy'
  | 'meanSquaredError' | 'meanAbsoluteError' | 'mse' | 'mae' | 'huber';

const FACTORIES: Readonly<Record<LossIdentifier, () => Loss>> = {
  categoricalCrossentropy: () => new CategoricalCrossentropy(),
  sparseCategoricalCrossentropy: () => new SparseCategoricalCrossentropy(),
  binaryCrossentropy: () => new BinaryCrossentropy(),
  meanSquaredError: () => new MeanSquaredError(),
  meanAbsoluteError: () => new MeanAbsoluteError(),
  mse: () => new MeanSquaredError(),
  mae: () => new MeanAbsoluteError(),
  huber: () => new Huber(),
};

/** The names `getLoss` accepts. */
export const lossNames: readonly LossIdentifier[] = Object.freeze(Object.keys(FACTORIES) as LossIdentifier[]);

/**
 * Resolves a loss name (`'categoricalCrossentropy'`, `'mse'`, `'huber'`...) to a new loss with Keras's
 * defaults, or returns a Loss instance as it is.
 *
 * @param where - Names the argument in error messages. Defaults to `compile: option "loss"`.
 * @throws ValueError listing the valid names for anything else.
 */
export function getLoss(nameOrInstance: LossIdentifier | Loss, where = 'compile: option "loss"'): Loss {
  if (nameOrInstance instanceof Loss) return nameOrInstance;
  if (typeof nameOrInstance === 'string' && Object.hasOwn(FACTORIES, nameOrInstance))
    return FACTORIES[nameOrInstance as LossIdentifier]();
  throw new ValueError(expectedMessage(where, `a Loss or one of ${lossNames.map((n) => `'${n}'`).join(', ')}`, nameOrInstance));
}
