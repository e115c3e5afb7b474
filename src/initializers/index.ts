/**
 * Weight initializers with Keras's names, formulas and defaults, and `getInitializer`, which
 * resolves the camelCase names layers accept (`kernelInitializer: 'heNormal'`).
 */
import { ValueError, expectedMessage } from '../errors.js';
import { Constant } from './constant.js';
import { GlorotNormal } from './glorotNormal.js';
import { GlorotUniform } from './glorotUniform.js';
import { HeNormal } from './heNormal.js';
import { HeUniform } from './heUniform.js';
import type { Initializer } from './initializer.js';
import { LecunNormal } from './lecunNormal.js';
import { LecunUniform } from './lecunUniform.js';
import { Ones } from './ones.js';
import { RandomNormal } from './randomNormal.js';
import { RandomUniform } from './randomUniform.js';
import { TruncatedNormal } from './truncatedNormal.js';
import { VarianceScaling } from './varianceScaling.js';
import { Zeros } from './zeros.js';

export type { Initializer } from './initializer.js';
export { Constant, type ConstantArgs } from './constant.js';
export { GlorotNormal, type GlorotNormalArgs } from './glorotNormal.js';
export { GlorotUniform, type GlorotUniformArgs } from './glorotUniform.js';
export { HeNormal, type HeNormalArgs } from './heNormal.js';
export { HeUniform, type HeUniformArgs } from './heUniform.js';
export { LecunNormal, type LecunNormalArgs } from './lecunNormal.js';
export { LecunUniform, type LecunUniformArgs } from './lecunUniform.js';
export { Ones } from './ones.js';
export { RandomNormal, type RandomNormalArgs } from './randomNormal.js';
export { RandomUniform, type RandomUniformArgs } from './randomUniform.js';
export { TruncatedNormal, type TruncatedNormalArgs } from './truncatedNormal.js';
export {
  VarianceScaling, computeFans, type FanMode, type VarianceScalingArgs, type VarianceScalingDistribution,
} from './varianceScaling.js';
export { Zeros } from './zeros.js';

/** Initializer names `getInitializer` accepts (Keras's, in camelCase), with Keras's defaults. */
export type InitializerName =
  | 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunUniform' | 'lecunNormal'
  | 'randomNormal' | 'randomUniform' | 'truncatedNormal' | 'varianceScaling' | 'zeros' | 'ones' | 'constant';

const FACTORIES: Readonly<Record<InitializerName, () => Initializer>> = {
  glorotUniform: () => new GlorotUniform(),
  glorotNormal: () => new GlorotNormal(),
  heUniform: () => new HeUniform(),
  heNormal: () => new HeNormal(),
  lecunUniform: () => new LecunUniform(),
  lecunNormal: () => new LecunNormal(),
  randomNormal: () => new RandomNormal(),
  randomUniform: () => new RandomUniform(),
  truncatedNormal: () => new TruncatedNormal(),
  varianceScaling: () => new VarianceScaling(),
  zeros: () => new Zeros(),
  ones: () => new Ones(),
  constant: () => new Constant(),
};

/** The names `getInitializer` accepts. */
export const initializerNames: readonly InitializerName[] = Object.freeze(Object.keys(FACTORIES) as InitializerName[]);

/**
 * Resolves a Keras initializer name in camelCase (`'glorotUniform'`, `'zeros'`...) to a new
 * instance with Keras's defaults, or returns an Initializer instance as it is.
 *
 * @param where - Names the argument in error messages, e.g. `'Dense: option "kernelInitializer"'`.
 * @throws ValueError listing the valid names for anything else.
 */
export function getInitializer(nameOrInstance: InitializerName | Initializer, where = 'getInitializer: argument "identifier"'): Initializer {
  if (typeof nameOrInstance === 'string' && Object.hasOwn(FACTORIES, nameOrInstance))
    return FACTORIES[nameOrInstance as InitializerName]();
  if (isInitializer(nameOrInstance)) return nameOrInstance;
  throw new ValueError(expectedMessage(where, `an Initializer or one of ${initializerNames.map((n) => `'${n}'`).join(', ')}`, nameOrInstance));
}

function isInitializer(v: unknown): v is Initializer {
  return typeof v === 'object' && v !== null && typeof (v as Initializer).fill === 'function' &&
    typeof (v as Initializer).className === 'string';
}
