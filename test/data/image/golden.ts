/** Shared access to test/fixtures/keras_image_golden.json (made by scripts/fixtures/make_image_golden.py). */
import { readFileSync } from 'node:fs';

export interface Pixels { shape: number[]; data: number[] }
export interface Golden {
  versions: Record<string, string>;
  tree: { files: string[]; emptyDirs: string[] };
  flowFromDirectory: {
    name: string; validationSplit: number; subset: 'training' | 'validation' | null; classes: string[] | null;
    filenames: string[]; labels: number[]; classIndices: Record<string, number>; numClasses: number; samples: number;
  }[];
  datasetFromDirectory: { name: string; args: Record<string, unknown>; filePaths: string[]; classNames: string[] }[];
  numpyShuffle: { seed: number; n: number; perm: number[] }[];
  sources: Record<'rgb' | 'rgba' | 'gray', Pixels>;
  loadImg: {
    source: 'rgb' | 'rgba' | 'gray'; colorMode: 'rgb' | 'rgba' | 'grayscale'; targetSize: [number, number] | null;
    interpolation: 'nearest' | 'bilinear' | 'bicubic' | 'lanczos' | 'box' | 'hamming'; keepAspectRatio: boolean; shape: number[]; data: number[];
  }[];
  tfLoad: {
    source: 'rgb' | 'rgba'; colorMode: 'rgb' | 'rgba'; imageSize: [number, number]; interpolation: 'bilinear' | 'nearest' | 'bicubic';
    cropToAspectRatio: boolean; shape: number[]; data: number[];
  }[];
  codecFiles: Record<string, string>;
  codecLoad: { file: string; colorMode: 'rgb' | 'rgba' | 'grayscale'; shape: number[]; data: number[] }[];
  transformInputs: Record<string, Pixels>;
  applyTransform: { fillMode: 'nearest' | 'constant' | 'reflect' | 'wrap'; cval: number; params: Record<string, number | boolean>; shape: number[]; input: string; data: number[] }[];
  standardizeInput: { xs: number[]; shape: number[] };
  standardize: { name: string; args: Record<string, number | boolean>; fit: boolean; data: number[]; mean: number[] | null; std: number[] | null }[];
}

export const golden = JSON.parse(readFileSync(new URL('../../fixtures/keras_image_golden.json', import.meta.url), 'utf8')) as Golden;

/** Largest absolute difference. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
