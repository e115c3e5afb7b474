/** Keras `Reshape`: reinterprets each sample as `targetShape` (one axis may be -1, inferred). */
import { ValueError, expectedMessage } from '../errors.js';
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import { LINEAR_KIND } from './activations.js';
import { optionWhere, product, shapeError, shapeText } from './common.js';

export interface ReshapeArgs extends LayerArgs {
  /** Shape of each sample (no batch axis); positive integers and at most one -1. Required. */
  targetShape: readonly number[];
}

export class Reshape extends Layer {
  override readonly className: string = 'Reshape';
  readonly targetShape: readonly number[];

  constructor(args: ReshapeArgs) {
    super(args, 'reshape');
    const t = args.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => d === -1 || (Number.isSafeInteger(d) && d >= 1)) ||
      t.filter((d) => d === -1).length > 1)
      throw new ValueError(expectedMessage(optionWhere(this, 'targetShape'), 'a non-empty array of positive integers with at most one -1', t));
    this.targetShape = Object.freeze([...t]);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    const n = product(inputShape), known = product(this.targetShape.filter((d) => d !== -1));
    const unknown = this.targetShape.indexOf(-1);
    if (unknown < 0) {
      if (known !== n) throw shapeError(this, `input with ${known} elements per sample for targetShape ${shapeText(this.targetShape)}`, inputShape);
      return [...this.targetShape];
    }
    if (n % known !== 0)
      throw shapeError(this, `input with a multiple of ${known} elements per sample for targetShape ${shapeText(this.targetShape)}`, inputShape);
    const out = [...this.targetShape];
    out[unknown] = n / known;
    return out;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    ctx.memory.copy(io.out, io.inp);
  }

  backward(ctx: RunContext, io: LayerGradIO): void {
    if (io.dinp !== null) ctx.addon.activationBackward(ctx.backend, io.dinp, io.dout, io.inp, io.out, LINEAR_KIND, 0);
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), targetShape: [...this.targetShape] };
  }
}
