/**
 * kerno: Keras-style neural network training for Node.js on native kernels.
 *
 * @module kerno
 */
export { backendInfo, setNumThreads, getNumThreads, setBackend, getBackend } from './backend.js';
export type { BackendInfo, DeviceInfo } from './backend.js';
export type { DeviceName } from './engine/device.js';
export { Tensor, tensor, toTensor } from './tensor.js';
export type { DType, TensorLike, TensorData, TensorArray, NumericTypedArray, NestedNumbers } from './tensor.js';
export { toCategorical, computeClassWeight, readIdx, parseIdx, datasets } from './data/index.js';
export type { ComputeClassWeightArgs, IdxOptions, ParseIdxOptions } from './data/index.js';
export { Sequential, type SequentialArgs } from './engine/sequential.js';
export {
  Model, type CompileArgs, type FitArgs, type FitDatasetArgs, type EvaluateArgs, type EvaluateDatasetArgs,
  type PredictArgs, type TrainOnBatchArgs, type TestOnBatchArgs, type ValidationData,
} from './engine/model.js';
export { History } from './engine/history.js';
export type { Dataset, DatasetBatch } from './engine/dataAdapter.js';
export * as callbacks from './callbacks/index.js';
export {
  loadModel, modelFromBuffer, saveModel, modelToBuffer, saveWeights, loadWeights, weightsToBuffer,
  loadWeightsFromBuffer, ModelFormatError,
} from './io/onnx/index.js';
export type { LoadOptions, SaveOptions } from './io/onnx/index.js';
export * as layers from './layers/index.js';
export {
  ImageDataGenerator, DirectoryIterator, ArrayIterator, ImageIterator, ImageDataset, imageDatasetFromDirectory,
  loadImg, ImageLoadError,
} from './data/image/index.js';
export type {
  ImageDataGeneratorArgs, FitGeneratorArgs, FlowFromDirectoryArgs, FlowArgs, ClassMode, ImageBatch,
  ImageDatasetFromDirectoryArgs, LabelMode, LoadImgArgs, TransformParams, FillMode, ColorMode, PilInterpolation,
  TfInterpolation, InvalidImagePolicy, ShiftRange,
} from './data/image/index.js';
export { Input } from './layers/index.js';
export * as optimizers from './optimizers/index.js';
export * as losses from './losses/index.js';
export * as initializers from './initializers/index.js';
export * as regularizers from './regularizers.js';
export { setSeed, getSeed } from './random.js';
export * as metrics from './metrics/index.js';
export * as plot from './plot/index.js';
export { KernoError, ValueError, ShapeError, NativeError } from './errors.js';
