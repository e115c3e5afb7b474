/**
 * kerno layers → ONNX nodes (the inference graph), as the Keras/PyTorch converters map them.
 *
 * kerno's tensors are channels-last (NHWC); ONNX's Conv, pooling and BatchNormalization are
 * channels-first. The builder tracks the layout of the current 4-D tensor and inserts a Transpose
 * only where an op needs the other one: to NCHW before the first convolution (the Transpose at
 * the NHWC input), back to NHWC before anything that reads the last axis (Flatten, Reshape,
 * Dense, Softmax along the channels) and before the graph output. Elementwise ops, Dropout,
 * padding and upsampling run in whichever layout the tensor has.
 *
 * Per layer: Dense → Gemm (rank-2 input) or MatMul + Add, kernel stored `[in, out]`;
 * Conv2D / DepthwiseConv2D (group = C) / SeparableConv2D (depthwise Conv then 1×1 Conv) → Conv
 * with explicit pads (the extra pixel of Keras 'same' at the bottom/right) and OIHW kernels;
 * MaxPooling2D / AveragePooling2D (pads not counted) / global pools → MaxPool / AveragePool /
 * GlobalMaxPool / GlobalAveragePool; BatchNormalization with its moving statistics, epsilon and
 * momentum; Dropout as a Dropout node (the identity at inference); Rescaling → Mul, Add;
 * ZeroPadding2D → Pad; UpSampling2D → Resize (nearest, asymmetric, floor); activations → Relu,
 * Sigmoid, Tanh, Softmax (axis −1, or 1 on an NCHW tensor), LeakyRelu / Elu with explicit
 * alpha, Softplus, x·Sigmoid(x) for silu/swish, and GELU as x·½·(1 + Erf(x/√2)), or the Gelu op
 * from opset 20.
 */
import type { Layer } from '../../engine/layer.js';
import { KernoError } from '../../errors.js';
import type { BatchNormalization } from '../../layers/batchNormalization.js';
import type { Conv2D } from '../../layers/conv2d.js';
import type { Dense } from '../../layers/dense.js';
import type { DepthwiseConv2D } from '../../layers/depthwiseConv2d.js';
import type { Dropout } from '../../layers/dropout.js';
import type { GlobalPooling2D } from '../../layers/globalPooling2d.js';
import type { LeakyReLU } from '../../layers/leakyRelu.js';
import type { Pooling2D } from '../../layers/pooling2d.js';
import type { ReLU } from '../../layers/relu.js';
import type { Rescaling } from '../../layers/rescaling.js';
import type { SeparableConv2D } from '../../layers/separableConv2d.js';
import type { UpSampling2D } from '../../layers/upSampling2d.js';
import type { ZeroPadding2D } from '../../layers/zeroPadding2d.js';
import { resolveActivation } from '../../layers/activations.js';
import { windowGeometry } from '../../nativeConv.js';
import { onnxDims, toOnnxLayout } from './layouts.js';
import { AttrType, type AttributeProto, type NodeProto, type TensorProto } from './onnxProto.js';
import { floatTensor, int64Tensor } from './tensors.js';

const utf8 = new TextEncoder();

/** Attribute constructors. */
export const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: AttrType.INT, i }),
  ints: (name: string, ints: readonly number[]): AttributeProto => ({ name, type: AttrType.INTS, ints: [...ints] }),
  float: (name: string, f: number): AttributeProto => ({ name, type: AttrType.FLOAT, f }),
  string: (name: string, s: string): AttributeProto => ({ name, type: AttrType.STRING, s: utf8.encode(s) }),
};

/** Builds the node list of one graph while tracking the current tensor, its shape and layout. */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly #names = new Set<string>();
  /** Current tensor name. */
  cur: string;
  /** Current per-sample shape in kerno's (channels-last) terms. */
  shape: readonly number[];
  /** Layout of the current tensor when it is 4-D (rank-3 per sample). */
  layout: 'nhwc' | 'nchw' = 'nhwc';

  constructor(readonly opset: number, input: string, shape: readonly number[]) {
    this.cur = input;
    this.shape = shape;
    this.#names.add(input);
  }

  #unique(name: string): string {
    let n = name, i = 1;
    while (this.#names.has(n)) n = `${name}_${i++}`;
    this.#names.add(n);
    return n;
  }

  /** Adds a node whose output is named after it; returns the output name. */
  node(opType: string, inputs: readonly string[], name: string, attribute: AttributeProto[] = []): string {
    const n = this.#unique(name);
    this.nodes.push({ input: [...inputs], output: [n], name: n, opType, domain: '', attribute });
    return n;
  }

  /** Applies an op to the current tensor and makes its output current. */
  apply(opType: string, name: string, extraInputs: readonly string[] = [], attribute: AttributeProto[] = []): void {
    this.cur = this.node(opType, [this.cur, ...extraInputs], name, attribute);
  }

  /** A FLOAT initializer (raw_data views `values`). */
  floats(name: string, values: Float32Array, dims: readonly number[]): string {
    const n = this.#unique(name);
    this.initializers.push(floatTensor(n, values, dims));
    return n;
  }

  /** A shared FLOAT scalar constant, created once per graph. */
  scalar(name: string, value: number): string {
    if (!this.#names.has(name)) {
      this.#names.add(name);
      this.initializers.push(floatTensor(name, Float32Array.of(value), []));
    }
    return name;
  }

  int64s(name: string, values: readonly number[]): string {
    const n = this.#unique(name);
    this.initializers.push(int64Tensor(n, values));
    return n;
  }

  get spatial(): boolean {
    return this.shape.length === 3;
  }

  /** Makes a 4-D current tensor channels-first. */
  nchw(layer: string): void {
    if (this.spatial && this.layout === 'nhwc') {
      this.apply('Transpose', `${layer}/to_nchw`, [], [attr.ints('perm', [0, 3, 1, 2])]);
      this.layout = 'nchw';
    }
  }

  /** Makes a 4-D current tensor channels-last (kerno's layout). */
  nhwc(layer: string): void {
    if (this.spatial && this.layout === 'nchw') {
      this.apply('Transpose', `${layer}/to_nhwc`, [], [attr.ints('perm', [0, 2, 3, 1])]);
      this.layout = 'nhwc';
    }
  }

  /** The channel axis of the current tensor. */
  get channelAxis(): number {
    return this.spatial && this.layout === 'nchw' ? 1 : -1;
  }
}

/** Applies a Keras activation by name to the current tensor. */
export function activation(b: GraphBuilder, layer: string, name: string, alphaOverride?: number): void {
  const act = resolveActivation(`ONNX export of layer "${layer}"`, name);
  const alpha = alphaOverride ?? act.alpha;
  switch (act.name) {
    case 'linear': return;
    case 'relu': return b.apply('Relu', `${layer}/Relu`);
    case 'sigmoid': return b.apply('Sigmoid', `${layer}/Sigmoid`);
    case 'tanh': return b.apply('Tanh', `${layer}/Tanh`);
    case 'softplus': return b.apply('Softplus', `${layer}/Softplus`);
    case 'softmax': return b.apply('Softmax', `${layer}/Softmax`, [], [attr.int('axis', b.channelAxis)]);
    case 'leakyRelu': return b.apply('LeakyRelu', `${layer}/LeakyRelu`, [], [attr.float('alpha', alpha)]);
    case 'elu': return b.apply('Elu', `${layer}/Elu`, [], [attr.float('alpha', alpha)]);
    case 'silu': case 'swish': {
      const x = b.cur, s = b.node('Sigmoid', [x], `${layer}/Sigmoid`);
      b.cur = b.node('Mul', [x, s], `${layer}/Mul`);
      return;
    }
    case 'gelu': {
      if (b.opset >= 20) return b.apply('Gelu', `${layer}/Gelu`, [], [attr.string('approximate', 'none')]);
      const x = b.cur;
      const d = b.node('Div', [x, b.scalar('kerno/sqrt2', Math.SQRT2)], `${layer}/Div`);
      const e = b.node('Erf', [d], `${layer}/Erf`);
      const a = b.node('Add', [e, b.scalar('kerno/one', 1)], `${layer}/Add`);
      const m = b.node('Mul', [x, a], `${layer}/Mul`);
      b.cur = b.node('Mul', [m, b.scalar('kerno/half', 0.5)], `${layer}/Mul_half`);
      return;
    }
  }
}

/** A weight as an initializer named `<layer>/<weight>`, in the file's layout. */
function weight(b: GraphBuilder, layer: Layer, name: string): string {
  const w = layer.weights.find((x) => x.name === name);
  if (!w) throw new KernoError(`ONNX export: layer "${layer.name}" has no weight "${name}".`);
  return b.floats(`${layer.name}/${name}`, toOnnxLayout(layer.className, name, w.value, w.shape), onnxDims(layer.className, name, w.shape));
}

/** Explicit Conv/pool pads [top, left, bottom, right] and the window attributes. */
function windowAttrs(layer: Layer, kernel: readonly [number, number], strides: readonly [number, number],
  dilation: readonly [number, number] | undefined, padding: 'valid' | 'same'): AttributeProto[] {
  const s = layer.inputShape!;
  const g = windowGeometry({ height: s[0], width: s[1], kernelSize: [...kernel], strides: [...strides], dilationRate: dilation && [...dilation], padding });
  const attrs = [attr.ints('kernel_shape', kernel), attr.ints('strides', strides)];
  if (dilation) attrs.push(attr.ints('dilations', dilation));
  attrs.push(attr.ints('pads', [g.padTop, g.padLeft, g.padBottom, g.padRight]));
  return attrs;
}

type Exporter = (b: GraphBuilder, layer: Layer) => void;

function conv(b: GraphBuilder, layer: Conv2D | DepthwiseConv2D, group: number): void {
  b.nchw(layer.name);
  const inputs = [weight(b, layer, 'kernel'), ...(layer.bias ? [weight(b, layer, 'bias')] : [])];
  b.apply('Conv', `${layer.name}/Conv`, inputs, [
    ...windowAttrs(layer, layer.kernelSize, layer.strides, layer.dilationRate, layer.padding), attr.int('group', group),
  ]);
}

function pool(op: 'MaxPool' | 'AveragePool'): Exporter {
  return (b, layer) => {
    const p = layer as Pooling2D;
    b.nchw(p.name);
    b.apply(op, `${p.name}/${op}`, [], windowAttrs(p, p.poolSize, p.strides, undefined, p.padding));
  };
}

function globalPool(op: 'GlobalMaxPool' | 'GlobalAveragePool'): Exporter {
  return (b, layer) => {
    const p = layer as GlobalPooling2D;
    b.nchw(p.name);
    b.apply(op, `${p.name}/${op}`);
    if (!p.keepdims) b.apply('Flatten', `${p.name}/Flatten`, [], [attr.int('axis', 1)]);
  };
}

const EXPORTERS: Readonly<Record<string, Exporter>> = {
  Dense: (b, layer) => {
    const d = layer as Dense;
    b.nhwc(d.name);
    const k = weight(b, d, 'kernel'), bias = d.bias ? weight(b, d, 'bias') : undefined;
    if (b.shape.length === 1) b.apply('Gemm', `${d.name}/Gemm`, bias ? [k, bias] : [k]);
    else {
      b.apply('MatMul', `${d.name}/MatMul`, [k]);
      if (bias) b.apply('Add', `${d.name}/Add`, [bias]);
    }
    b.shape = d.outputShape;
    activation(b, d.name, d.activation);
  },
  Conv2D: (b, layer) => {
    const c = layer as Conv2D;
    conv(b, c, 1);
    b.shape = c.outputShape;
    activation(b, c.name, c.activation);
  },
  DepthwiseConv2D: (b, layer) => {
    const c = layer as DepthwiseConv2D;
    conv(b, c, c.inputShape![2]);
    b.shape = c.outputShape;
    activation(b, c.name, c.activation);
  },
  SeparableConv2D: (b, layer) => {
    const c = layer as SeparableConv2D;
    b.nchw(c.name);
    b.apply('Conv', `${c.name}/depthwise`, [weight(b, c, 'depthwise_kernel')], [
      ...windowAttrs(c, c.kernelSize, c.strides, c.dilationRate, c.padding), attr.int('group', c.inputShape![2]),
    ]);
    b.apply('Conv', `${c.name}/pointwise`, [weight(b, c, 'pointwise_kernel'), ...(c.bias ? [weight(b, c, 'bias')] : [])], [
      attr.ints('kernel_shape', [1, 1]),
    ]);
    b.shape = c.outputShape;
    activation(b, c.name, c.activation);
  },
  MaxPooling2D: pool('MaxPool'),
  AveragePooling2D: pool('AveragePool'),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool'),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool'),
  BatchNormalization: (b, layer) => {
    const n = layer as BatchNormalization, C = b.shape[b.shape.length - 1], rank = b.shape.length;
    // ONNX normalises axis 1: NCHW for images, (N, C) as it is, anything else moved there and back.
    let back: number[] | undefined;
    if (rank === 3) b.nchw(n.name);
    else if (rank > 1) {
      const perm = [0, rank, ...Array.from({ length: rank - 1 }, (_, i) => i + 1)];
      back = [0, ...Array.from({ length: rank - 1 }, (_, i) => i + 2), 1];
      b.apply('Transpose', `${n.name}/to_channels_first`, [], [attr.ints('perm', perm)]);
    }
    const gamma = n.gamma ? weight(b, n, 'gamma') : b.floats(`${n.name}/gamma_ones`, new Float32Array(C).fill(1), [C]);
    const beta = n.beta ? weight(b, n, 'beta') : b.floats(`${n.name}/beta_zeros`, new Float32Array(C), [C]);
    b.apply('BatchNormalization', `${n.name}/BatchNormalization`, [gamma, beta, weight(b, n, 'moving_mean'), weight(b, n, 'moving_variance')], [
      attr.float('epsilon', n.epsilon), attr.float('momentum', n.momentum),
    ]);
    if (back) b.apply('Transpose', `${n.name}/to_channels_last`, [], [attr.ints('perm', back)]);
  },
  Dropout: (b, layer) => {
    const d = layer as Dropout;
    b.apply('Dropout', `${d.name}/Dropout`, [b.floats(`${d.name}/ratio`, Float32Array.of(d.rate), [])]);
  },
  Flatten: (b, layer) => {
    b.nhwc(layer.name);
    b.apply('Flatten', `${layer.name}/Flatten`, [], [attr.int('axis', 1)]);
    b.shape = layer.outputShape;
  },
  Reshape: (b, layer) => {
    b.nhwc(layer.name);
    b.apply('Reshape', `${layer.name}/Reshape`, [b.int64s(`${layer.name}/shape`, [0, ...layer.outputShape])]);
    b.shape = layer.outputShape;
  },
  Activation: (b, layer) => activation(b, layer.name, (layer as unknown as { activation: string }).activation),
  Softmax: (b, layer) => activation(b, layer.name, 'softmax'),
  ReLU: (b, layer) => {
    const r = layer as ReLU;
    if (r.negativeSlope === 0) activation(b, r.name, 'relu');
    else activation(b, r.name, 'leakyRelu', r.negativeSlope);
  },
  LeakyReLU: (b, layer) => activation(b, layer.name, 'leakyRelu', (layer as LeakyReLU).negativeSlope),
  Rescaling: (b, layer) => {
    const r = layer as Rescaling;
    b.apply('Mul', `${r.name}/Mul`, [b.floats(`${r.name}/scale`, Float32Array.of(r.scale), [])]);
    b.apply('Add', `${r.name}/Add`, [b.floats(`${r.name}/offset`, Float32Array.of(r.offset), [])]);
  },
  ZeroPadding2D: (b, layer) => {
    const z = layer as ZeroPadding2D, [[t, bot], [l, r]] = z.padding;
    const pads = b.layout === 'nchw' ? [0, 0, t, l, 0, 0, bot, r] : [0, t, l, 0, 0, bot, r, 0];
    b.apply('Pad', `${z.name}/Pad`, [b.int64s(`${z.name}/pads`, pads)], [attr.string('mode', 'constant')]);
    b.shape = z.outputShape;
  },
  UpSampling2D: (b, layer) => {
    const u = layer as UpSampling2D, [sh, sw] = u.size;
    const scales = b.layout === 'nchw' ? [1, 1, sh, sw] : [1, sh, sw, 1];
    b.apply('Resize', `${u.name}/Resize`, ['', b.floats(`${u.name}/scales`, Float32Array.from(scales), [4])], [
      attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('mode', 'nearest'), attr.string('nearest_mode', 'floor'),
    ]);
    b.shape = u.outputShape;
  },
};

/** Layer classes the exporter maps (every layer kerno offers). */
export const EXPORTABLE: readonly string[] = Object.freeze(Object.keys(EXPORTERS));

/**
 * The inference graph of `layers` (built) from input `input` of per-sample shape `inputShape`;
 * the last node's output is renamed `output`, channels-last.
 */
export function exportLayers(layers: readonly Layer[], inputShape: readonly number[], opset: number, input: string, output: string): GraphBuilder {
  const b = new GraphBuilder(opset, input, inputShape);
  for (const layer of layers) {
    const ex = Object.hasOwn(EXPORTERS, layer.className) ? EXPORTERS[layer.className] : undefined;
    if (!ex) throw new KernoError(`ONNX export expected a layer of a kerno class (${EXPORTABLE.join(', ')}), received layer "${layer.name}" of class ${layer.className}.`);
    ex(b, layer);
    b.shape = layer.outputShape;
  }
  b.nhwc('output');
  const last = b.nodes[b.nodes.length - 1];
  if (!last || last.output[0] !== b.cur) b.apply('Identity', 'output/Identity');
  const lastNode = b.nodes[b.nodes.length - 1];
  lastNode.output[0] = output;
  b.cur = output;
  return b;
}
