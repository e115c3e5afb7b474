/**
 * Sequential (Keras `keras.Sequential`): a linear stack of layers. The first layer's `inputShape`
 * (or a leading `Input`/InputLayer) declares the input; the model is then built right away, as
 * in Keras, so `summary()` and `countParams()` work before `fit`. Without a declared input the
 * model builds from the first data it sees.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { Layer, uniqueLayerName } from './layer.js';
import { Model } from './model.js';

export interface SequentialArgs {
  /** Model name. Defaults to `'sequential'` plus a counter, as Keras. */
  name?: string;
}

export class Sequential extends Model {
  readonly #layers: Layer[] = [];
  /** Input shape from a leading InputLayer (which Keras keeps out of `layers`). */
  #inputLayerShape: readonly number[] | undefined;

  /** @param layers - the layers, in order; more can be added with `add`. */
  constructor(layers: readonly Layer[] = [], args: SequentialArgs = {}) {
    if (args === null || typeof args !== 'object') throw new ValueError(expectedMessage('Sequential: argument "args"', 'an options object {name}', args));
    if (args.name !== undefined && (typeof args.name !== 'string' || args.name === '')) {
      throw new ValueError(expectedMessage('Sequential: option "name"', 'a non-empty string', args.name));
    }
    super(args.name ?? uniqueLayerName('sequential'));
    if (!Array.isArray(layers)) throw new ValueError(expectedMessage('Sequential: argument "layers"', 'an array of layers', layers));
    layers.forEach((l, i) => this.#push(l, `Sequential: argument "layers[${i}]"`));
    this.layersChanged();
  }

  /** The layers in order (a leading InputLayer is not listed, as in Keras). */
  get layers(): readonly Layer[] {
    return this.#layers;
  }

  /** Appends a layer (Keras `add`). The model rebuilds; weights of layers already built are kept. */
  add(layer: Layer): void {
    this.#push(layer, 'Sequential.add: argument "layer"');
    this.layersChanged();
  }

  #push(layer: unknown, where: string): void {
    if (!(layer instanceof Layer)) throw new ValueError(expectedMessage(where, 'a Layer (e.g. new layers.Dense({units: 10}))', layer));
    if (layer.className === 'InputLayer') {
      if (this.#layers.length > 0 || this.#inputLayerShape) {
        throw new ValueError(expectedMessage(where, 'an InputLayer only as the first layer', `InputLayer "${layer.name}" after other layers`));
      }
      this.#inputLayerShape = layer.inputShape;
      return;
    }
    if (this.#layers.some((l) => l.name === layer.name)) {
      throw new ValueError(expectedMessage(where, 'a layer with a unique name', `a second layer named "${layer.name}"`));
    }
    this.#layers.push(layer);
  }

  protected declaredInputShape(): readonly number[] | undefined {
    return this.#inputLayerShape ?? this.#layers[0]?.inputShape;
  }
}
