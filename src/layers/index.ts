/**
 * Keras layers (channels-last), one class per file: `new layers.Dense({ units: 10, activation: 'softmax' })`.
 */
export { Activation, type ActivationArgs } from './activation.js';
export { ACTIVATION_NAMES, type ActivationIdentifier } from './activations.js';
export { AveragePooling2D, type AveragePooling2DArgs } from './averagePooling2d.js';
export { BatchNormalization, type BatchNormalizationArgs } from './batchNormalization.js';
export type { InitializerLike, LayerPadding, RegularizerLike } from './common.js';
export { Conv2D, type Conv2DArgs } from './conv2d.js';
export { Dense, type DenseArgs } from './dense.js';
export { DepthwiseConv2D, type DepthwiseConv2DArgs } from './depthwiseConv2d.js';
export { Dropout, type DropoutArgs } from './dropout.js';
export { Flatten } from './flatten.js';
export { GlobalAveragePooling2D } from './globalAveragePooling2d.js';
export { GlobalMaxPooling2D } from './globalMaxPooling2d.js';
export type { GlobalPooling2DArgs } from './globalPooling2d.js';
export { Input, InputLayer, type InputLayerArgs } from './inputLayer.js';
export { LeakyReLU, type LeakyReLUArgs } from './leakyRelu.js';
export { MaxPooling2D, type MaxPooling2DArgs } from './maxPooling2d.js';
export type { Pooling2DArgs } from './pooling2d.js';
export { ReLU, type ReLUArgs } from './relu.js';
export { Rescaling, type RescalingArgs } from './rescaling.js';
export { Reshape, type ReshapeArgs } from './reshape.js';
export { SeparableConv2D, type SeparableConv2DArgs } from './separableConv2d.js';
export { Softmax } from './softmax.js';
export { UpSampling2D, type UpSampling2DArgs } from './upSampling2d.js';
export { ZeroPadding2D, type ZeroPadding2DArgs, type ZeroPadding2DPadding } from './zeroPadding2d.js';
export { Layer, type LayerArgs } from '../engine/layer.js';
// Option types that the layers' argument objects refer to.
export type { ActivationName } from '../native.js';
export type { Size2 } from '../nativeConv.js';
