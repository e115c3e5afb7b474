/**
 * The contract between layers and the engine.
 *
 * A layer describes its weights and shapes once (`build`) and then runs on flat, batch-major
 * Float32Arrays that the engine owns: the engine plans one arena per batch size holding every
 * layer's output, output gradient and workspace, so a training step allocates nothing. Layers call
 * the raw native addon (`ctx.addon`) directly — shapes were validated when the model was built, and
 * the binding still checks every buffer length — because per-call validation would dominate small
 * batches.
 *
 * Shapes exclude the batch dimension: a Dense layer on 784 features has inputShape `[784]`.
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { ActivationName } from '../native.js';
import type { NativeConvAddon } from '../nativeConv.js';
import type { DeviceMemory } from './device.js';
import { Weight, type WeightArgs } from './weight.js';

/** @internal A weight whose gradient at this batch is the outer product u·vᵀ, `rows` × `cols` (Layer.outerGradients). */
export interface OuterGradient {
  readonly weight: Weight;
  readonly rows: number;
  readonly cols: number;
  /** The `rows` values of u, or null for ones (a bias). */
  readonly u: Float32Array | null;
}

/** What a layer sees while running one batch. */
export interface RunContext {
  /** The raw native addon (dense and conv families). */
  readonly addon: NativeConvAddon;
  /** Backend index for every native call. */
  readonly backend: number;
  /** Rows in this batch. */
  readonly batch: number;
  /** Training mode: dropout active, batch normalization uses and updates batch statistics. */
  readonly training: boolean;
  /**
   * Where the buffers live. On a device backend the kernels work on device copies, so a layer
   * that moves data itself uses `memory.copy`/`memory.zero` instead of `set`/`fill(0)`, and JS
   * code that computes on values brackets itself with `memory.download` (before reading) and
   * `memory.upload` (after writing); on the CPU those are no-ops.
   */
  readonly memory: DeviceMemory;
  /**
   * Seed and counter offset for this layer's random numbers in this step (dropout). The engine
   * derives them from the global seed, the layer index and the step, so runs are reproducible.
   */
  randomStream(layer: Layer, count: number): { seed: bigint; offset: bigint };
}

/** Buffers of one layer for one batch. All are batch-major and sized for `ctx.batch` rows. */
export interface LayerIO {
  /** Input (batch, ...inputShape). Never written by the layer. */
  readonly inp: Float32Array;
  /** Output (batch, ...outputShape). Written by forward. */
  readonly out: Float32Array;
  /** Workspace floats requested by `workspaceSize` (saved tensors such as masks, statistics, the pre-activation). */
  readonly ws: Float32Array;
}

/** Buffers for backward: the forward IO plus gradients. */
export interface LayerGradIO extends LayerIO {
  /** ∂loss/∂out (batch, ...outputShape). The layer may overwrite it (e.g. activation backward in place). */
  readonly dout: Float32Array;
  /**
   * ∂loss/∂inp, ACCUMULATED into (the engine zeroes it first); null for the first layer, whose
   * input gradient nobody needs.
   */
  readonly dinp: Float32Array | null;
}

export interface LayerArgs {
  /** Unique layer name. Defaults to the Keras-style snake_case class name plus a counter, e.g. `'dense_1'`. */
  name?: string;
  /** Input shape without the batch dimension; only needed on the first layer of a Sequential. */
  inputShape?: readonly number[];
  /** Whether the layer's weights are updated by training. Defaults to `true`. */
  trainable?: boolean;
  /**
   * Seed of this layer's weight initialisation and random stream (Dropout), a non-negative safe
   * integer. Defaults to none: keys derived from the global seed (`setSeed`) and the layer's
   * position (see src/random.ts).
   */
  seed?: number;
}

const nameCounters = new Map<string, number>();

/** Keras's default layer names: `dense`, `dense_1`, `dense_2`... per class. */
export function uniqueLayerName(base: string): string {
  const n = nameCounters.get(base) ?? 0;
  nameCounters.set(base, n + 1);
  return n === 0 ? base : `${base}_${n}`;
}

export abstract class Layer {
  /** Keras class name, e.g. `'Dense'` (used by summary and model files). */
  abstract readonly className: string;
  readonly name: string;
  trainable: boolean;
  /** Declared input shape (first layer), or the shape the layer was built with. */
  inputShape: readonly number[] | undefined;
  /** The `seed` option (validated), or undefined to derive keys from the global seed. */
  readonly seed: number | undefined;
  outputShape: readonly number[] = [];
  readonly weights: Weight[] = [];
  built = false;

  constructor(args: LayerArgs = {}, snakeName?: string) {
    this.name = args.name ?? uniqueLayerName(snakeName ?? 'layer');
    this.trainable = args.trainable ?? true;
    this.inputShape = args.inputShape ? Object.freeze([...args.inputShape]) : undefined;
    const seed = args.seed;
    if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0))
      throw new ValueError(expectedMessage(`${new.target.name} "${this.name}": option "seed"`, 'a non-negative safe integer', seed));
    this.seed = seed;
  }

  /**
   * Creates the weights for `inputShape` (no batch dimension) and returns the output shape.
   * Throws a ShapeError naming the layer when the input does not fit.
   */
  build(inputShape: readonly number[]): readonly number[] {
    this.inputShape = Object.freeze([...inputShape]);
    this.outputShape = Object.freeze([...this.computeOutputShape(inputShape)]);
    this.built = true;
    return this.outputShape;
  }

  /** Output shape for an input shape (both without batch). Validates and throws ShapeError. */
  abstract computeOutputShape(inputShape: readonly number[]): readonly number[];

  /** Workspace floats this layer needs for a batch of `batch` rows (kept from forward to backward). */
  workspaceSize(batch: number): number {
    return 0;
  }

  /** Runs the layer on one batch. */
  abstract forward(ctx: RunContext, io: LayerIO): void;

  /**
   * Back-propagates one batch: accumulates weight gradients into `weight.grad` (when trainable)
   * and the input gradient into `io.dinp`. When `fromPreActivation` is true, `dout` already holds
   * the gradient with respect to the pre-activation (the engine fused the final softmax/sigmoid
   * into the loss), so the layer skips its activation's backward.
   */
  abstract backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void;

  /**
   * The activation applied last by this layer, when the engine may fuse it with the loss
   * (Dense/Activation/Softmax with 'softmax' or 'sigmoid'); undefined otherwise.
   */
  fusableActivation(): ActivationName | 'softmax' | undefined {
    return undefined;
  }

  /**
   * The pre-activation values of the last forward (batch, ...outputShape), for a fused loss.
   * Layers that return a fusable activation must provide it (usually a slice of `io.ws`).
   */
  preActivation(io: LayerIO): Float32Array | undefined {
    return undefined;
  }

  /**
   * Inference only: runs this layer and `next`, the layer after it, as one step when the pair
   * fuses (Conv2D + MaxPooling2D in cache-sized chunks of the batch), writing `nextIo.out` as
   * `next.forward` would; `io.out` may be left unwritten. Returns false when the pair does not
   * fuse, and the engine then runs the two layers one at a time.
   */
  forwardFused(ctx: RunContext, io: LayerIO, next: Layer, nextIo: LayerIO): boolean {
    return false;
  }

  /**
   * @internal Training: whether this layer's output is a ReLU of a pre-activation that
   * `backward` does not need once it is handed the pre-activation gradient
   * (`fromPreActivation`). A next layer may then write that gradient itself (`backwardFusable`).
   */
  reluOutput(): boolean {
    return false;
  }

  /**
   * @internal Training: whether `backwardFused` can write the gradient at the pre-activation of
   * `prev`, the layer before this one, in place of its own input gradient. The engine then runs
   * `prev.backward` with `fromPreActivation` and zeroes neither buffer between the two (for
   * MaxPooling2D after a ReLU, two passes over the largest activation of a CNN and its zeroing).
   */
  backwardFusable(prev: Layer): boolean {
    return false;
  }

  /**
   * @internal Writes (does not accumulate) `io.dinp`: the gradient at the pre-activation of the
   * previous layer, which `backwardFusable` accepted; weight gradients accumulate as in `backward`.
   * Engine plumbing: only layers whose `backwardFusable` can return true override it.
   */
  backwardFused(ctx: RunContext, io: LayerGradIO): void {
    throw new Error(`Layer "${this.name}" (${this.className}) does not fuse its backward with the layer before it`);
  }

  /**
   * @internal Training at `batch` samples: the weights whose gradients are outer products u·vᵀ (a
   * Dense layer at one row per step), which the optimizer can generate itself instead of reading
   * them from the gradient arena (kerno_outer_grad). `u` views `io` (null: ones); v is what
   * `backwardOuter` returns. Empty (the default) when the layer has none.
   */
  outerGradients(batch: number, io: LayerIO): readonly OuterGradient[] {
    return [];
  }

  /**
   * @internal The backward pass without the gradients `outerGradients` listed: accumulates
   * `io.dinp` only and returns v, the vector those gradients are u·vᵀ of, valid until the step's
   * optimizer update. Engine plumbing: only layers whose `outerGradients` can be non-empty override it.
   */
  backwardOuter(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): Float32Array {
    throw new Error(`Layer "${this.name}" (${this.className}) has no outer-product gradients`);
  }

  /** Keras-style configuration (camelCase keys), for summary and saving. */
  getConfig(): Record<string, unknown> {
    return { name: this.name, trainable: this.trainable };
  }

  /** Weights the optimizer updates (empty when the layer is frozen). */
  get trainableWeights(): Weight[] {
    return this.trainable ? this.weights.filter((w) => w.trainable) : [];
  }

  /** Weights not updated by the optimizer (moving statistics, frozen layers). */
  get nonTrainableWeights(): Weight[] {
    return this.trainable ? this.weights.filter((w) => !w.trainable) : [...this.weights];
  }

  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /** Declares a weight; call from `build`. */
  protected addWeight(args: WeightArgs): Weight {
    const w = new Weight(args);
    this.weights.push(w);
    return w;
  }
}
