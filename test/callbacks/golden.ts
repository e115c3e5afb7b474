/** Shared by the callback tests: the Keras golden fixture and helpers to replay it. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import type { Logs } from '../../src/callbacks/callback.js';
import { Sequential } from '../../src/engine/sequential.js';
import { Dense } from '../../src/layers/dense.js';
import { SGD } from '../../src/optimizers/sgd.js';
import { setSeed } from '../../src/random.js';

/** Output of scripts/fixtures/make_callbacks_golden.py (Keras 3.15.1). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const golden: any = JSON.parse(readFileSync(fileURLToPath(new URL('../fixtures/keras_callbacks_golden.json', import.meta.url)), 'utf8'));

/** JSON has no NaN/Infinity: the fixture writes them as strings. */
export function dec(v: number | string | null): number | undefined {
  if (v === null) return undefined;
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v as number;
}

/** Fills every weight with `value`, so restored weights name the epoch they came from. */
export function setMarker(model: Sequential, value: number): void {
  model.setWeights(model.getWeights().map((w) => new Float32Array(w.size).fill(value)));
}

export function marker(model: Sequential): number {
  return (model.getWeights()[0].data as Float32Array)[0];
}

/** Captures console.log output as Python's print would write it (one '\n' per call) and warnings. */
export function capture(): { stdout: () => string; warnings: () => string[]; restore: () => void } {
  const lines: string[] = [];
  const warnings: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ') + '\n'));
  const warn = vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error) => void warnings.push(String(w))) as typeof process.emitWarning);
  return {
    stdout: () => lines.join(''),
    warnings: () => warnings,
    restore: () => {
      log.mockRestore();
      warn.mockRestore();
    },
  };
}

/** The fixture's model: Dense(1, sigmoid) on 2 inputs, SGD, binary crossentropy, accuracy compiled. */
export function tinyModel(lr = 0.01): Sequential {
  setSeed(3);
  const m = new Sequential([new Dense({ units: 1, activation: 'sigmoid', inputShape: [2] })]);
  m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
  return m;
}

/** `{loss: 1}` plus the monitored key unless the scripted value is missing (null). */
export function epochLogs(key: string, v: number | string | null): Logs {
  const logs: Logs = { loss: 1 };
  const x = dec(v);
  if (x !== undefined) logs[key] = x;
  return logs;
}

/** The fixture's encoding of a value that may be missing or non-finite. */
export function enc(v: number | undefined): number | string | null {
  if (v === undefined) return null;
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v;
}
