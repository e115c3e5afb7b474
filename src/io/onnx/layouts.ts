/**
 * Where each kerno weight lives in an ONNX file, and in which layout.
 *
 * Initializer `<layer name>/<weight name>` holds a weight. Most are stored as Keras holds them
 * (Dense kernels `[in, out]`, as Gemm reads them); convolution kernels are stored as ONNX's Conv
 * reads them: Conv2D `[kh, kw, C, F]` → OIHW `[F, C, kh, kw]`; depthwise `[kh, kw, C, M]` →
 * `[C·M, 1, kh, kw]` (a Conv with group = C); the separable pointwise `[1, 1, C·M, F]` →
 * `[F, C·M, 1, 1]`. Each is a permutation of the axes followed by a reshape.
 *
 * `expectedWeights` lists the weights a layer will create for an input shape, without building it,
 * so a loader can check a file's tensors before anything is allocated.
 */
import type { Layer } from '../../engine/layer.js';
import { inversePerm, transpose } from './tensors.js';

interface Layout {
  readonly perm: readonly number[];
  onnxShape(keras: readonly number[]): number[];
}

const OIHW: Layout = { perm: [3, 2, 0, 1], onnxShape: (k) => [k[3], k[2], k[0], k[1]] };
const DEPTHWISE: Layout = { perm: [2, 3, 0, 1], onnxShape: (k) => [k[2] * k[3], 1, k[0], k[1]] };

function layoutOf(className: string, weight: string): Layout | undefined {
  if (className === 'Conv2D' && weight === 'kernel') return OIHW;
  if (className === 'DepthwiseConv2D' && weight === 'kernel') return DEPTHWISE;
  if (className === 'SeparableConv2D' && weight === 'depthwise_kernel') return DEPTHWISE;
  if (className === 'SeparableConv2D' && weight === 'pointwise_kernel') return OIHW;
  return undefined;
}

/** Whether the file stores this weight in another layout than Keras's (a transpose on load). */
export function hasOnnxLayout(className: string, weight: string): boolean {
  return layoutOf(className, weight) !== undefined;
}

/** The dims a weight of `kerasShape` has in the file. */
export function onnxDims(className: string, weight: string, kerasShape: readonly number[]): number[] {
  const l = layoutOf(className, weight);
  return l ? l.onnxShape(kerasShape) : [...kerasShape];
}

/** The weight's values in the file's layout (the same array when the layouts agree). */
export function toOnnxLayout(className: string, weight: string, value: Float32Array, kerasShape: readonly number[]): Float32Array {
  const l = layoutOf(className, weight);
  return l ? transpose(value, kerasShape, l.perm) : value;
}

/** The weight's values in Keras's layout from the file's (whose dims were checked against onnxDims). */
export function fromOnnxLayout(className: string, weight: string, value: Float32Array, kerasShape: readonly number[]): Float32Array {
  const l = layoutOf(className, weight);
  if (!l) return value;
  const permuted = l.perm.map((p) => kerasShape[p]);
  return transpose(value, permuted, inversePerm(l.perm));
}

export interface ExpectedWeight {
  readonly name: string;
  readonly shape: readonly number[];
}

type Options = Record<string, unknown>;

/**
 * The weights `layer` creates when built on `inputShape` (no batch axis), in creation order, from
 * its options alone. Layers without weights give [].
 */
export function expectedWeights(layer: Layer, inputShape: readonly number[]): ExpectedWeight[] {
  const o = layer as unknown as Options, last = inputShape[inputShape.length - 1];
  const bias = (n: number) => (o.useBias ? [{ name: 'bias', shape: [n] }] : []);
  switch (layer.className) {
    case 'Dense':
      return [{ name: 'kernel', shape: [last, o.units as number] }, ...bias(o.units as number)];
    case 'Conv2D': {
      const [kh, kw] = o.kernelSize as number[];
      return [{ name: 'kernel', shape: [kh, kw, last, o.filters as number] }, ...bias(o.filters as number)];
    }
    case 'DepthwiseConv2D': {
      const [kh, kw] = o.kernelSize as number[], m = o.depthMultiplier as number;
      return [{ name: 'kernel', shape: [kh, kw, last, m] }, ...bias(last * m)];
    }
    case 'SeparableConv2D': {
      const [kh, kw] = o.kernelSize as number[], m = o.depthMultiplier as number, f = o.filters as number;
      return [
        { name: 'depthwise_kernel', shape: [kh, kw, last, m] }, { name: 'pointwise_kernel', shape: [1, 1, last * m, f] },
        ...bias(f),
      ];
    }
    case 'BatchNormalization':
      return [
        ...(o.scale ? [{ name: 'gamma', shape: [last] }] : []), ...(o.center ? [{ name: 'beta', shape: [last] }] : []),
        { name: 'moving_mean', shape: [last] }, { name: 'moving_variance', shape: [last] },
      ];
    default:
      return [];
  }
}

