/**
 * Learning-rate schedules (Keras `keras.optimizers.schedules`), accepted as any optimizer's
 * `learningRate` and evaluated at the optimizer's `iterations` before each step.
 */
export { LearningRateSchedule } from './schedules/learningRateSchedule.js';
export { ExponentialDecay, type ExponentialDecayArgs } from './schedules/exponentialDecay.js';
export { PiecewiseConstantDecay, type PiecewiseConstantDecayArgs } from './schedules/piecewiseConstantDecay.js';
export { CosineDecay, type CosineDecayArgs } from './schedules/cosineDecay.js';
export { InverseTimeDecay, type InverseTimeDecayArgs } from './schedules/inverseTimeDecay.js';
