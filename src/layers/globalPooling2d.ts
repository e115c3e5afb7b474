/** The shared part of GlobalAveragePooling2D and GlobalMaxPooling2D (internal base class). */
import { Layer, type LayerArgs } from '../engine/layer.js';
import { booleanOption, checkImageShape } from './common.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  /** Keep the spatial axes as size 1 (`[1, 1, channels]`). Defaults to `false` (`[channels]`). */
  keepdims?: boolean;
}

export abstract class GlobalPooling2D extends Layer {
  readonly keepdims: boolean;
  /** Spatial positions (height·width) and channels, fixed at build. */
  protected S = 0;
  protected C = 0;

  constructor(args: GlobalPooling2DArgs, snakeName: string) {
    super(args, snakeName);
    this.keepdims = booleanOption({ className: new.target.name, name: this.name }, 'keepdims', args.keepdims, false);
  }

  computeOutputShape(inputShape: readonly number[]): readonly number[] {
    checkImageShape(this, inputShape);
    return this.keepdims ? [1, 1, inputShape[2]] : [inputShape[2]];
  }

  override build(inputShape: readonly number[]): readonly number[] {
    const out = super.build(inputShape);
    this.S = inputShape[0] * inputShape[1];
    this.C = inputShape[2];
    return out;
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), keepdims: this.keepdims };
  }
}
