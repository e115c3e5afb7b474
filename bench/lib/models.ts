// The two models the training benchmarks run (bench/train.ts, bench/cudaFit.ts), built from the
// same seed so every run starts from the same weights: the tutorial's MLP (Rescaling 1/255 →
// Flatten → Dense 256 relu → Dense 128 relu → Dense 10 softmax) and the reference CNN (Conv2D 32
// 3×3 relu → MaxPooling2D → Conv2D 64 3×3 relu → MaxPooling2D → Flatten → Dense 128 relu → Dense
// 10 softmax) on 28×28 images; bench/infer.ts runs the CNN's layers without the Rescaling. Module paths, not the package index: the GPU bundles of
// bench/cudaFit.ts must not pull in the image decoders.
import type { Layer } from '../../src/engine/layer.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Conv2D, Dense, Flatten, MaxPooling2D, Rescaling } from '../../src/layers/index.js';
import { setSeed } from '../../src/random.js';

/**
 * The reference CNN's layers after its Rescaling (bench/infer.ts runs them on scaled images);
 * `inputShape` goes to the first Conv2D when the list starts a model.
 */
export function referenceCnnLayers(inputShape?: number[]): Layer[] {
  return [
    new Conv2D({ filters: 32, kernelSize: 3, activation: 'relu', ...(inputShape ? { inputShape } : {}) }),
    new MaxPooling2D({ poolSize: 2 }),
    new Conv2D({ filters: 64, kernelSize: 3, activation: 'relu' }),
    new MaxPooling2D({ poolSize: 2 }),
    new Flatten(),
    new Dense({ units: 128, activation: 'relu' }),
    new Dense({ units: 10, activation: 'softmax' }),
  ];
}

/** The uncompiled model, seeded with 1. */
export function referenceModel(kind: 'mlp' | 'cnn'): Sequential {
  setSeed(1);
  return kind === 'mlp'
    ? new Sequential([
      new Rescaling({ scale: 1 / 255, inputShape: [28, 28] }),
      new Flatten(),
      new Dense({ units: 256, activation: 'relu' }),
      new Dense({ units: 128, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ])
    : new Sequential([new Rescaling({ scale: 1 / 255, inputShape: [28, 28, 1] }), ...referenceCnnLayers()]);
}
