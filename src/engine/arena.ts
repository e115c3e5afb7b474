/**
 * Parameter packing: every trainable weight of a model lives in one Float32Array (and its
 * gradient at the same offset of a second one), so the optimizer updates the whole model in one
 * fused native call and zeroing the gradients is one `fill(0)` (one device memset on a device).
 *
 * Segments start on 16-float (64-byte) boundaries so each weight's view is SIMD-aligned relative
 * to the arena; the gaps hold zeros in both arenas, which every update rule leaves at zero.
 * Frozen weights (non-trainable, or in a layer with `trainable = false`) keep their own arrays
 * and have no gradient.
 */
import { type DeviceMemory, HOST_MEMORY } from './device.js';
import type { Layer } from './layer.js';
import type { Weight } from './weight.js';
import type { ArenaSegment } from '../optimizers/optimizer.js';
import type { Regularizer } from '../regularizers.js';

const ALIGN = 16;

export interface RegularizedWeight {
  readonly weight: Weight;
  readonly regularizer: Regularizer;
}

export class ParamArena {
  /** Values of every trainable weight (each Weight.value is a view into it). */
  readonly params: Float32Array;
  /** Gradients, same layout (each Weight.grad is a view into it). */
  readonly grads: Float32Array;
  readonly segments: readonly ArenaSegment[];
  /** Trainable weights in packing order (layer order, then declaration order). */
  readonly trainable: readonly Weight[];
  /** Trainable weights with a regularizer; Keras penalises only trainable weights. */
  readonly regularized: readonly RegularizedWeight[];
  /**
   * Where `params` and `grads` live (set by src/engine/device.ts when the model runs on a
   * device). The regularizers compute in JS, so on a device their weights and gradients make a
   * round trip; only regularized weights pay it.
   */
  memory: DeviceMemory = HOST_MEMORY;

  constructor(layers: readonly Layer[]) {
    const trainable: Weight[] = [];
    const segments: ArenaSegment[] = [];
    let total = 0;
    for (const layer of layers) {
      const mine = new Set(layer.trainableWeights);
      for (const w of layer.weights) {
        if (!mine.has(w)) {
          w.grad = null;
          continue;
        }
        trainable.push(w);
        segments.push(Object.freeze({ name: `${layer.name}/${w.name}`, offset: total, size: w.size }));
        total += Math.ceil(w.size / ALIGN) * ALIGN;
      }
    }
    this.params = new Float32Array(total);
    this.grads = new Float32Array(total);
    trainable.forEach((w, i) => {
      const { offset, size } = segments[i];
      w.rebind(this.params.subarray(offset, offset + size));
      w.grad = this.grads.subarray(offset, offset + size);
    });
    this.trainable = trainable;
    this.segments = segments;
    this.regularized = trainable.filter((w) => w.regularizer).map((w) => ({ weight: w, regularizer: w.regularizer! }));
  }

  /** Whether the layers' trainable weights are still exactly the packed ones (trainable flags unchanged). */
  matches(layers: readonly Layer[]): boolean {
    let i = 0;
    for (const layer of layers) {
      for (const w of layer.trainableWeights) if (this.trainable[i++] !== w) return false;
    }
    return i === this.trainable.length;
  }

  /** Σ penalty over the regularized weights (Keras adds it to the loss). */
  penalty(): number {
    const m = this.memory;
    let p = 0;
    for (let i = 0; i < this.regularized.length; i++) {
      const r = this.regularized[i];
      m.download(r.weight.value);
      p += r.regularizer.penalty(r.weight.value);
    }
    return p;
  }

  /** Adds each regularizer's gradient to its weight's gradient. */
  addRegularizerGradients(): void {
    const m = this.memory;
    for (let i = 0; i < this.regularized.length; i++) {
      const r = this.regularized[i], grad = r.weight.grad!;
      m.download(r.weight.value);
      m.download(grad);
      r.regularizer.addGradient(r.weight.value, grad);
      m.upload(grad);
    }
  }
}
