/**
 * Import of ONNX models kerno did not write (PyTorch's `torch.onnx.export`, tf2onnx) as trainable
 * kerno models, for the ops kerno has layers for: Gemm, MatMul (+ Add), Conv (plain and
 * depthwise), MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, BatchNormalization, Relu,
 * LeakyRelu, Sigmoid, Tanh, Elu, Softplus, Softmax, GELU (Gelu, or the Erf formula
 * x·(1 + Erf(x/√2))·½ as exporters write it), Flatten, Reshape to [batch, features], Dropout,
 * Identity, a Transpose at the input, and Mul/Add by scalars (Rescaling).
 *
 * The graph must be a chain: each node takes the previous node's output (plus constants). Layouts
 * are converted: an NCHW input (PyTorch) becomes kerno's channels-last input `[H, W, C]`, so the
 * loaded model takes NHWC data; conv kernels OIHW → HWIO; Gemm weights `[out, in]` (transB) →
 * `[in, out]`; and the rows of a Dense after a Flatten of an NCHW tensor are reordered from
 * (c, h, w) to kerno's (h, w, c). Explicit pads equal to Keras 'same' become `padding: 'same'`;
 * other pads become a ZeroPadding2D before a 'valid' window (exact for Conv and for AveragePool
 * counting pads; MaxPool with such pads is refused). Anything else is a ModelFormatError naming
 * the node and its op.
 */
import type { Layer } from '../../engine/layer.js';
import { Sequential } from '../../engine/sequential.js';
import * as L from '../../layers/index.js';
import { windowGeometry } from '../../nativeConv.js';
import { ModelFormatError, formatError } from './errors.js';
import { fromOnnxLayout } from './layouts.js';
import { AttrType, type AttributeProto, DataType, type ModelProto, type NodeProto, type TensorProto } from './onnxProto.js';
import { MAX_LAYERS, MAX_SAMPLE_ELEMENTS, initializerMap, shapeText } from './read.js';
import { readFloats, readInts, transpose } from './tensors.js';

interface State {
  /** Current ONNX tensor. */
  cur: string;
  /** kerno per-sample shape (channels-last). */
  shape: number[];
  /** How the ONNX tensor holds a 4-D value. */
  layout: 'nchw' | 'nhwc';
  /** After a Flatten of an NCHW tensor: [H, W, C] to reorder the next Dense's rows. */
  flattened?: readonly [number, number, number];
}

interface Built {
  layer: Layer;
  /** Weight values in kerno's layout, in the layer's weight order. */
  values: Float32Array[];
}

class Importer {
  readonly layers: Built[] = [];
  readonly consts: Map<string, TensorProto>;
  /** The nodes without Constant nodes (exporters interleave them), and each one's index in the file. */
  readonly nodes: readonly NodeProto[];
  readonly #index = new Map<NodeProto, number>();
  i = 0;

  constructor(all: readonly NodeProto[], inits: Map<string, TensorProto>, readonly st: State, readonly caller: string) {
    this.consts = inits;
    all.forEach((n, i) => this.#index.set(n, i));
    for (const n of all) {
      if (n.opType !== 'Constant' || (n.domain !== '' && n.domain !== 'ai.onnx')) continue;
      const t = n.attribute.find((a) => a.name === 'value')?.t;
      if (!t) this.unsupported('a Constant without a tensor value', n);
      this.consts.set(n.output[0], t);
    }
    this.nodes = all.filter((n) => !(n.opType === 'Constant' && (n.domain === '' || n.domain === 'ai.onnx')));
  }

  get node(): NodeProto {
    return this.nodes[this.i];
  }

  where(n = this.node): string {
    return `node ${this.#index.get(n)} "${n.name}" (op ${n.opType})`;
  }

  unsupported(why: string, n = this.node): never {
    throw new ModelFormatError(`${this.caller}: ${this.where(n)} is not supported: ${why}.`);
  }

  attr(name: string, n = this.node): AttributeProto | undefined {
    return n.attribute.find((a) => a.name === name);
  }

  int(name: string, dflt: number): number {
    const a = this.attr(name);
    return a?.i ?? dflt;
  }

  ints(name: string, dflt: readonly number[]): number[] {
    const a = this.attr(name);
    return a?.ints ? [...a.ints] : [...dflt];
  }

  float(name: string, dflt: number): number {
    const a = this.attr(name);
    return a?.f ?? dflt;
  }

  string(name: string, dflt: string): string {
    const a = this.attr(name);
    return a?.s ? new TextDecoder().decode(a.s) : dflt;
  }

  tensor(name: string | undefined, what: string): TensorProto {
    const t = name === undefined || name === '' ? undefined : this.consts.get(name);
    if (!t) this.unsupported(`its ${what} "${name ?? ''}" is not a constant (initializer or Constant node)`);
    return t;
  }

  floats(name: string | undefined, what: string, dims?: readonly number[]): Float32Array {
    const t = this.tensor(name, what);
    if (dims && shapeText(t.dims) !== shapeText(dims)) this.unsupported(`its ${what} has shape ${shapeText(t.dims)}, expected ${shapeText(dims)}`);
    return readFloats(t, `${this.where()} ${what}`);
  }

  scalar(name: string | undefined, what: string): number {
    const t = this.tensor(name, what);
    const v = t.dataType === DataType.FLOAT ? readFloats(t, what) : Float64Array.from(readInts(t, what));
    if (v.length !== 1) this.unsupported(`its ${what} is not a scalar`);
    return v[0];
  }

  /** The node consumes the current tensor as its first input. */
  chained(n = this.node): void {
    if (n.input[0] !== this.st.cur) this.unsupported(`it does not take the previous output "${this.st.cur}" (only chains of layers are supported)`, n);
  }

  add(layer: Layer, values: Float32Array[] = []): void {
    if (this.layers.length >= MAX_LAYERS) throw formatError(`${this.caller}: ${this.where()}`, `a graph of at most ${MAX_LAYERS} layers`, 'more');
    const out = layer.computeOutputShape(this.st.shape);
    if (out.reduce((a, b) => a * b, 1) > MAX_SAMPLE_ELEMENTS) throw formatError(`${this.caller}: ${this.where()} output`, `at most ${MAX_SAMPLE_ELEMENTS} elements per sample`, shapeText(out));
    this.layers.push({ layer, values });
    this.st.shape = [...out];
  }

  advance(n = this.node): void {
    this.st.cur = n.output[0];
    this.i++;
  }
}

function requireLayout(im: Importer, rank: number): void {
  if (im.st.shape.length !== rank) im.unsupported(`it needs a rank-${rank + 1} input, received ${shapeText(['batch' as never, ...im.st.shape])}`);
  if (rank === 3 && im.st.layout !== 'nchw') im.unsupported('its input is channels-last, not NCHW');
}

/** 'same', 'valid' or explicit pads [top, left, bottom, right] for a window over the current image. */
function padding(im: Importer, kernel: [number, number], strides: [number, number], dilation: [number, number]): 'same' | 'valid' | number[] {
  const autoPad = im.string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return 'valid';
  if (autoPad === 'SAME_UPPER') return 'same';
  if (autoPad !== 'NOTSET') im.unsupported(`auto_pad ${autoPad}`);
  const pads = im.ints('pads', [0, 0, 0, 0]);
  if (pads.every((p) => p === 0)) return 'valid';
  const [H, W] = im.st.shape;
  const g = windowGeometry({ height: H, width: W, kernelSize: kernel, strides, dilationRate: dilation, padding: 'same' });
  if (pads[0] === g.padTop && pads[1] === g.padLeft && pads[2] === g.padBottom && pads[3] === g.padRight) return 'same';
  return pads;
}

function pair(im: Importer, name: string, dflt: number): [number, number] {
  const v = im.ints(name, [dflt, dflt]);
  if (v.length !== 2) im.unsupported(`${name} of length ${v.length} (only 2-D windows)`);
  return [v[0], v[1]];
}

function zeroPad(im: Importer, pads: number[]): void {
  im.add(new L.ZeroPadding2D({ padding: [[pads[0], pads[2]], [pads[1], pads[3]]] }));
}

function conv(im: Importer): void {
  const n = im.node;
  requireLayout(im, 3);
  const C = im.st.shape[2], w = im.tensor(n.input[1], 'weight');
  if (w.dims.length !== 4) im.unsupported(`a weight of shape ${shapeText(w.dims)}`);
  const [F, CG, kh, kw] = w.dims, group = im.int('group', 1);
  const strides = pair(im, 'strides', 1), dilation = pair(im, 'dilations', 1);
  if (Math.max(...strides) > 1 && Math.max(...dilation) > 1) im.unsupported('strides and dilations both above 1');
  const pad = padding(im, [kh, kw], strides, dilation);
  if (Array.isArray(pad)) zeroPad(im, pad);
  const padding_ = Array.isArray(pad) ? 'valid' : pad;
  const bias = n.input[2] ? im.floats(n.input[2], 'bias', [F]) : undefined;
  const common = { kernelSize: [kh, kw] as [number, number], strides, dilationRate: dilation, padding: padding_, useBias: bias !== undefined };
  if (group === 1 && CG === C) {
    const kernel = fromOnnxLayout('Conv2D', 'kernel', readFloats(w, 'weight'), [kh, kw, C, F]);
    im.add(new L.Conv2D({ filters: F, ...common }), bias ? [kernel, bias] : [kernel]);
  } else if (group === C && CG === 1 && F % C === 0) {
    const M = F / C, kernel = fromOnnxLayout('DepthwiseConv2D', 'kernel', readFloats(w, 'weight'), [kh, kw, C, M]);
    im.add(new L.DepthwiseConv2D({ depthMultiplier: M, ...common }), bias ? [kernel, bias] : [kernel]);
  } else im.unsupported(`group ${group} with ${C} input channels (only 1 or the channel count)`);
}

function pool(im: Importer, max: boolean): void {
  requireLayout(im, 3);
  if (im.int('ceil_mode', 0) !== 0) im.unsupported('ceil_mode 1');
  if (im.ints('dilations', [1, 1]).some((d) => d !== 1)) im.unsupported('dilations');
  const kernel = pair(im, 'kernel_shape', 1), strides = pair(im, 'strides', 1);
  const pad = padding(im, kernel, strides, [1, 1]);
  let padding_: 'same' | 'valid' = Array.isArray(pad) ? 'valid' : pad;
  if (Array.isArray(pad)) {
    // Zeros are what AveragePool counts with count_include_pad; MaxPool pads with −∞.
    if (max || im.int('count_include_pad', 0) !== 1) im.unsupported(`pads ${shapeText(pad)} that are not Keras 'same'`);
    zeroPad(im, pad);
  } else if (!max && pad === 'same' && im.int('count_include_pad', 0) === 1) {
    // Keras 'same' does not count the pads; counting them is the zero-padded 'valid' window.
    const s = im.st.shape, g = windowGeometry({ height: s[0], width: s[1], kernelSize: kernel, strides, padding: 'same' });
    zeroPad(im, [g.padTop, g.padLeft, g.padBottom, g.padRight]);
    padding_ = 'valid';
  }
  im.add(max ? new L.MaxPooling2D({ poolSize: kernel, strides, padding: padding_ }) : new L.AveragePooling2D({ poolSize: kernel, strides, padding: padding_ }));
}

/** Reorders a Dense kernel's rows (or a feature vector) from NCHW flatten order to kerno's NHWC order. */
function unflatten(values: Float32Array, hwc: readonly [number, number, number], cols: number): Float32Array {
  const [H, W, C] = hwc;
  return transpose(values, [C, H, W, cols], [1, 2, 0, 3]);
}

function dense(im: Importer, kernel: Float32Array, units: number, bias: Float32Array | undefined): void {
  if (im.st.shape.length !== 1) im.unsupported(`an input of shape ${shapeText(['batch' as never, ...im.st.shape])} (only [batch, features])`);
  const inputs = im.st.shape[0];
  if (kernel.length !== inputs * units) im.unsupported(`a weight of ${kernel.length} values for ${inputs} inputs and ${units} units`);
  const k = im.st.flattened ? unflatten(kernel, im.st.flattened, units) : kernel;
  im.st.flattened = undefined;
  im.add(new L.Dense({ units, useBias: bias !== undefined }), bias ? [k, bias] : [k]);
}

function gemm(im: Importer): void {
  const n = im.node;
  if (im.float('alpha', 1) !== 1 || im.float('beta', 1) !== 1 || im.int('transA', 0) !== 0) im.unsupported('alpha, beta or transA other than 1, 1, 0');
  const w = im.tensor(n.input[1], 'weight');
  if (w.dims.length !== 2) im.unsupported(`a weight of shape ${shapeText(w.dims)}`);
  const transB = im.int('transB', 0) === 1, [a, b] = w.dims, units = transB ? a : b;
  let kernel = readFloats(w, 'weight');
  if (transB) kernel = transpose(kernel, [a, b], [1, 0]);
  const bias = n.input[2] ? im.floats(n.input[2], 'bias', [units]) : undefined;
  dense(im, kernel, units, bias);
}

function matmul(im: Importer): void {
  const w = im.tensor(im.node.input[1], 'weight');
  if (w.dims.length !== 2) im.unsupported(`a weight of shape ${shapeText(w.dims)}`);
  const units = w.dims[1], next = im.nodes[im.i + 1];
  let bias: Float32Array | undefined;
  const other = next?.input.find((s) => s !== im.node.output[0]);
  if (next?.opType === 'Add' && next.input.includes(im.node.output[0]) && other !== undefined && im.consts.has(other)) {
    bias = im.floats(other, 'bias', [units]);
    im.advance();
  }
  dense(im, readFloats(w, 'weight'), units, bias);
}

function batchNorm(im: Importer): void {
  const n = im.node, s = im.st.shape, C = s[s.length - 1];
  if (s.length === 3) requireLayout(im, 3);
  else if (s.length !== 1) im.unsupported(`an input of rank ${s.length + 1}`);
  if (im.int('training_mode', 0) !== 0) im.unsupported('training_mode 1');
  const p = [1, 2, 3, 4].map((k) => im.floats(n.input[k], ['scale', 'bias', 'mean', 'variance'][k - 1], [C]));
  const values = im.st.flattened ? p.map((v) => unflatten(v, im.st.flattened!, 1)) : p;
  im.add(new L.BatchNormalization({ epsilon: im.float('epsilon', 1e-5), momentum: im.float('momentum', 0.9) }), values);
}

function flatten(im: Importer): void {
  const s = im.st.shape;
  if (s.length === 3 && im.st.layout === 'nchw' && s[0] * s[1] > 1) im.st.flattened = [s[0], s[1], s[2]];
  if (s.length > 1) im.add(new L.Flatten());
}

function reshape(im: Importer): void {
  const shape = readInts(im.tensor(im.node.input[1], 'shape'), 'shape'), features = im.st.shape.reduce((a, b) => a * b, 1);
  if (shape.length !== 2 || !(shape[1] === -1 || shape[1] === features) || !(shape[0] === 0 || shape[0] === -1 || shape[1] !== -1))
    im.unsupported(`target shape ${shapeText(shape)} (only [batch, features])`);
  flatten(im);
}

/** Matches x·(1 + Erf(x / √2))·½ starting at a Div; returns the nodes it spans. */
function erfGelu(im: Importer): number {
  const x = im.st.cur, ns = im.nodes.slice(im.i, im.i + 5);
  const [div, erf, add, mul1, mul2] = ns;
  const near = (name: string | undefined, v: number) => name !== undefined && im.consts.has(name) && Math.abs(im.scalar(name, 'constant') - v) < 1e-6 * Math.max(1, v);
  const ok = ns.length === 5 && near(div.input[1], Math.SQRT2) && erf.opType === 'Erf' && erf.input[0] === div.output[0] &&
    add.opType === 'Add' && add.input.includes(erf.output[0]) && near(add.input.find((s) => s !== erf.output[0]), 1) &&
    mul1.opType === 'Mul' && mul1.input.includes(x) && mul1.input.includes(add.output[0]) &&
    mul2.opType === 'Mul' && mul2.input.includes(mul1.output[0]) && near(mul2.input.find((s) => s !== mul1.output[0]), 0.5);
  if (!ok) im.unsupported('a Div that does not start the GELU formula x·(1 + Erf(x/√2))·0.5');
  return 5;
}

function scalarAffine(im: Importer): void {
  const n = im.node, c = n.input.find((s) => s !== im.st.cur);
  if (n.input.length !== 2 || !n.input.includes(im.st.cur) || !c || !im.consts.has(c)) im.unsupported('not a product or sum with a scalar constant');
  const v = im.scalar(c, 'constant');
  const next = im.nodes[im.i + 1];
  if (n.opType === 'Mul' && next?.opType === 'Add' && next.input.includes(n.output[0])) {
    const o = next.input.find((s) => s !== n.output[0]);
    if (o && im.consts.has(o)) {
      im.add(new L.Rescaling({ scale: v, offset: im.scalar(o, 'constant') }));
      im.advance();
      return;
    }
  }
  im.add(n.opType === 'Mul' ? new L.Rescaling({ scale: v }) : new L.Rescaling({ scale: 1, offset: v }));
}

const ACTIVATIONS: Readonly<Record<string, string>> = { Sigmoid: 'sigmoid', Tanh: 'tanh', Softplus: 'softplus' };

function step(im: Importer): void {
  const n = im.node, op = n.domain === '' || n.domain === 'ai.onnx' ? n.opType : `${n.domain}.${n.opType}`;
  im.chained();
  switch (op) {
    case 'Conv': conv(im); break;
    case 'MaxPool': pool(im, true); break;
    case 'AveragePool': pool(im, false); break;
    case 'GlobalAveragePool': requireLayout(im, 3); im.add(new L.GlobalAveragePooling2D({ keepdims: true })); break;
    case 'GlobalMaxPool': requireLayout(im, 3); im.add(new L.GlobalMaxPooling2D({ keepdims: true })); break;
    case 'BatchNormalization': batchNorm(im); break;
    case 'Gemm': gemm(im); break;
    case 'MatMul': matmul(im); break;
    case 'Flatten': if (im.int('axis', 1) !== 1) im.unsupported('axis other than 1'); flatten(im); break;
    case 'Reshape': reshape(im); break;
    case 'Relu': im.add(new L.ReLU()); break;
    case 'LeakyRelu': im.add(new L.LeakyReLU({ negativeSlope: im.float('alpha', 0.01) })); break;
    case 'Elu': if (im.float('alpha', 1) !== 1) im.unsupported('alpha other than 1'); im.add(new L.Activation({ activation: 'elu' })); break;
    case 'Sigmoid': case 'Tanh': case 'Softplus': {
      const next = im.nodes[im.i + 1];
      if (op === 'Sigmoid' && next?.opType === 'Mul' && next.input.includes(n.output[0]) && next.input.includes(im.st.cur)) {
        im.add(new L.Activation({ activation: 'silu' }));
        im.advance();
      } else im.add(new L.Activation({ activation: ACTIVATIONS[op] as 'sigmoid' }));
      break;
    }
    case 'Gelu': if (im.string('approximate', 'none') !== 'none') im.unsupported('approximate GELU'); im.add(new L.Activation({ activation: 'gelu' })); break;
    case 'Div': {
      const span = erfGelu(im);
      im.add(new L.Activation({ activation: 'gelu' }));
      im.i += span - 1;
      im.advance(im.nodes[im.i]);
      return;
    }
    case 'Softmax': {
      const axis = im.int('axis', -1), rank = im.st.shape.length + 1;
      const channels = rank === 4 && im.st.layout === 'nchw' ? axis === 1 : axis === -1 || axis === rank - 1;
      if (!channels) im.unsupported(`axis ${axis} (only the channel axis)`);
      im.add(new L.Softmax());
      break;
    }
    case 'Dropout': {
      const ratio = n.input[1] ? im.scalar(n.input[1], 'ratio') : im.float('ratio', 0.5);
      im.add(new L.Dropout({ rate: ratio }));
      break;
    }
    case 'Identity': break;
    case 'Mul': case 'Add': scalarAffine(im); break;
    case 'Transpose': {
      const perm = shapeText(im.ints('perm', []));
      if (im.st.shape.length === 3 && im.st.layout === 'nhwc' && perm === '[0, 3, 1, 2]') im.st.layout = 'nchw';
      else if (im.st.shape.length === 3 && im.st.layout === 'nchw' && perm === '[0, 2, 3, 1]') im.st.layout = 'nhwc';
      else im.unsupported(`perm ${perm} (only NHWC ↔ NCHW of an image)`);
      break;
    }
    default: im.unsupported('kerno has no layer for this op');
  }
  im.advance();
}

function guarded<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

/** Builds a trainable kerno model from a foreign ONNX graph (see the module comment). */
export function foreignModel(proto: ModelProto, where: string): Sequential {
  const g = proto.graph;
  if (!g) throw formatError('ModelProto.graph', 'a graph', 'none');
  const inits = initializerMap(g.initializer, 'ModelProto.graph.initializer');
  const inputs = g.input.filter((v) => !inits.has(v.name));
  if (inputs.length !== 1 || g.output.length !== 1)
    throw new ModelFormatError(`${where} expected a graph with one input and one output, received ${inputs.length} inputs and ${g.output.length} outputs.`);
  const input = inputs[0], dims = input.shape ?? [];
  if (input.elemType !== DataType.FLOAT) throw formatError(`${where}: graph input "${input.name}"`, 'a float tensor', `element type ${input.elemType}`);
  const sizes = dims.slice(1).map((d) => ('value' in d && d.value > 0 ? d.value : 0));
  if ((dims.length !== 2 && dims.length !== 4) || sizes.some((d) => d === 0))
    throw formatError(`${where}: graph input "${input.name}"`, 'shape [batch, features] or [batch, C, H, W] with fixed sizes', `rank ${dims.length}`);
  // A rank-4 input is NCHW unless the graph starts by transposing it from NHWC (tf2onnx).
  const first = g.node.find((n) => n.opType !== 'Constant');
  const nhwcInput = dims.length === 4 && first?.opType === 'Transpose' && first.input[0] === input.name &&
    shapeText(first.attribute.find((a) => a.name === 'perm' && a.type === AttrType.INTS)?.ints ?? []) === '[0, 3, 1, 2]';
  const shape = dims.length === 2 ? sizes : nhwcInput ? sizes : [sizes[1], sizes[2], sizes[0]];
  const im = new Importer(g.node, inits, { cur: input.name, shape, layout: nhwcInput ? 'nhwc' : 'nchw' }, where);
  const inputShape = [...shape];
  while (im.i < im.nodes.length) {
    try {
      step(im);
    } catch (e) {
      if (e instanceof ModelFormatError) throw e;
      throw new ModelFormatError(`${where}: ${im.where()}: ${(e as Error).message}`, { cause: e });
    }
  }
  if (im.st.cur !== g.output[0].name) throw new ModelFormatError(`${where} expected the last node to produce the graph output "${g.output[0].name}", received "${im.st.cur}".`);
  if (im.st.shape.length === 3 && im.st.layout === 'nchw' && im.st.shape[0] * im.st.shape[1] > 1)
    throw new ModelFormatError(`${where}: the graph output is an NCHW image; kerno's model would output it channels-last (not supported).`);
  if (im.layers.length === 0) throw new ModelFormatError(`${where}: the graph has no node kerno imports as a layer.`);
  const model = guarded(where, () => new Sequential([new L.InputLayer({ shape: inputShape }), ...im.layers.map((b) => b.layer)], { name: g.name || 'imported' }));
  for (const { layer, values } of im.layers) {
    if (layer.weights.length !== values.length) throw new ModelFormatError(`${where}: layer "${layer.name}" built ${layer.weights.length} weights, expected ${values.length}.`);
    layer.weights.forEach((w, j) => {
      if (values[j].length !== w.size) throw new ModelFormatError(`${where}: weight "${layer.name}/${w.name}" expected ${w.size} values, received ${values[j].length}.`);
      w.value.set(values[j]);
    });
  }
  return model;
}
