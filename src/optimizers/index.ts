/**
 * Optimizers with Keras 3's names, defaults and update rules, learning-rate schedules, and
 * `getOptimizer`, which resolves the names `compile` accepts.
 *
 * Each step is one fused native update over the model's flat parameter arena.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { Adagrad } from './adagrad.js';
import { Adam } from './adam.js';
import { Adamax } from './adamax.js';
import { AdamW } from './adamw.js';
import { Nadam } from './nadam.js';
import { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export { Optimizer, type ArenaSegment, type OptimizerArgs, type OptimizerContext } from './optimizer.js';
export { SGD, type SGDArgs } from './sgd.js';
export { Adagrad, type AdagradArgs } from './adagrad.js';
export { RMSprop, type RMSpropArgs } from './rmsprop.js';
export { Adam, type AdamArgs } from './adam.js';
export { AdamW, type AdamWArgs } from './adamw.js';
export { Nadam, type NadamArgs } from './nadam.js';
export { Adamax, type AdamaxArgs } from './adamax.js';
export * as schedules from './schedules.js';
export {
  LearningRateSchedule, ExponentialDecay, PiecewiseConstantDecay, CosineDecay, InverseTimeDecay,
  type ExponentialDecayArgs, type PiecewiseConstantDecayArgs, type CosineDecayArgs, type InverseTimeDecayArgs,
} from './schedules.js';

/** Optimizer names `compile` accepts (Keras's), each with Keras's defaults. */
export type OptimizerIdentifier = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad' | 'nadam' | 'adamax';

const FACTORIES: Readonly<Record<OptimizerIdentifier, () => Optimizer>> = {
  sgd: () => new SGD(),
  adam: () => new Adam(),
  adamw: () => new AdamW(),
  rmsprop: () => new RMSprop(),
  adagrad: () => new Adagrad(),
  nadam: () => new Nadam(),
  adamax: () => new Adamax(),
};

/** The names `getOptimizer` accepts. */
export const optimizerNames: readonly OptimizerIdentifier[] = Object.freeze(Object.keys(FACTORIES) as OptimizerIdentifier[]);

/**
 * Resolves an optimizer name (`'sgd'`, `'adam'`, `'adamw'`, `'rmsprop'`, `'adagrad'`, `'nadam'`,
 * `'adamax'`, as Keras's `compile`) to a new optimizer with Keras's defaults, or returns an
 * Optimizer instance as it is.
 *
 * @param where - Names the argument in error messages. Defaults to `compile: option "optimizer"`.
 * @throws ValueError listing the valid names for anything else.
 */
export function getOptimizer(nameOrInstance: OptimizerIdentifier | Optimizer, where = 'compile: option "optimizer"'): Optimizer {
  if (nameOrInstance instanceof Optimizer) return nameOrInstance;
  if (typeof nameOrInstance === 'string' && Object.hasOwn(FACTORIES, nameOrInstance))
    return FACTORIES[nameOrInstance as OptimizerIdentifier]();
  throw new ValueError(expectedMessage(where, `an Optimizer or one of ${optimizerNames.map((n) => `'${n}'`).join(', ')}`, nameOrInstance));
}
