/**
 * Keras `InputLayer` / `Input`: declares the shape of each sample (without the batch axis) at the
 * start of a Sequential model. As in Keras, a Sequential model uses it for its input shape and
 * does not list it among `model.layers`; run on its own it is the identity.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { Layer, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LINEAR_KIND } from './activations.js';
import { optionWhere, shapeError, shapeText } from './common.js';

export interface InputLayerArgs {
  /** Shape of each sample, without the batch axis (e.g. `[784]` or `[28, 28, 1]`). Required. */
  shape: readonly number[];
  /** Layer name. Defaults to `'input_layer'` plus a counter. */
  name?: string;
}

export class InputLayer extends Layer {
  override readonly className: string = 'InputLayer';
  readonly shape: readonly number[];

  constructor(args: InputLayerArgs) {
    const shape = args?.shape;
    super({ name: args?.name, inputShape: Array.isArray(shape) ? shape : undefined }, 'input_layer');
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 1))
      throw new ValueError(expectedMessage(optionWhere(this, 'shape'), 'an array of positive integers (the batch axis excluded)', shape));
    this.shape = Object.freeze([...shape]);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length !== this.shape.length || inputShape.some((d, i) => d !== this.shape[i]))
      throw shapeError(this, `input of shape ${shapeText(this.shape)}`, inputShape);
    return this.shape;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.memory.copy(io.out, io.inp);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null) ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, LINEAR_KIND, 0);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, batchShape: [null, ...this.shape] };
  }
}

/** Keras `Input(shape)`: an InputLayer to put first in a Sequential model. */
export function Input(args: InputLayerArgs): InputLayer {
  return new InputLayer(args);
}
