/** Keras `Activation`: applies an activation function by name (softmax along the last axis). */
import { Layer, type LayerArgs, type LayerGradIO, type LayerIO, type RunContext } from '../engine/layer.js';
import {
  type ActivationIdentifier, LINEAR_KIND, type ResolvedActivation, fusable, resolveActivation,
} from './activations.js';
import { optionWhere, product } from './common.js';

export interface ActivationArgs extends LayerArgs {
  /** The activation, by Keras name in camelCase (e.g. `'relu'`, `'softmax'`, `'leakyRelu'`). Required. */
  activation: ActivationIdentifier;
}

export class Activation extends Layer {
  override readonly className: string = 'Activation';
  readonly activation: ActivationIdentifier;
  private readonly act: ResolvedActivation;
  /** Size of the last axis (softmax rows) and elements per sample, fixed at build. */
  private cols = 1;
  private sampleSize = 0;

  constructor(args: ActivationArgs) {
    super(args, 'activation');
    this.act = resolveActivation(optionWhere(this, 'activation'), args.activation ?? 'linear');
    this.activation = this.act.name;
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return inputShape;
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    this.sampleSize = product(inputShape);
    this.cols = inputShape.length ? inputShape[inputShape.length - 1] : 1;
    return out;
  }

  forward(ctx: RunContext, io: LayerIO): void {
    const act = this.act;
    if (act.softmax) ctx.addon.softmaxForward(ctx.backend, io.out, io.inp, (ctx.batch * this.sampleSize) / this.cols, this.cols);
    else ctx.addon.activationForward(ctx.backend, io.out, io.inp, act.kind, act.alpha);
  }

  backward(ctx: RunContext, io: LayerGradIO, fromPreActivation: boolean): void {
    const act = this.act, dinp = io.dinp;
    if (dinp === null) return;
    if (fromPreActivation) ctx.addon.activationBackward(ctx.backend, dinp, io.dout, io.inp, io.out, LINEAR_KIND, 0);
    else if (act.softmax)
      ctx.addon.softmaxBackward(ctx.backend, dinp, io.dout, io.out, (ctx.batch * this.sampleSize) / this.cols, this.cols);
    else ctx.addon.activationBackward(ctx.backend, dinp, io.dout, io.inp, io.out, act.kind, act.alpha);
  }

  override fusableActivation(): 'softmax' | 'sigmoid' | undefined {
    return fusable(this.act);
  }

  /** The input is the pre-activation. */
  override preActivation(io: LayerIO): Float32Array | undefined {
    return fusable(this.act) === undefined ? undefined : io.inp;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), activation: this.activation };
  }
}
