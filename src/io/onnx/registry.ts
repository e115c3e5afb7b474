/**
 * Class names → constructors for everything a kerno model file names: layers, optimizers,
 * learning-rate schedules, losses, compile metrics, initializers and regularizers. A file can
 * only instantiate these (never arbitrary code), with options revived from its JSON.
 *
 * Reviving: JSON `null` means "not set" (undefined), `{className, config}` under a key ending in
 * `Initializer` / `Regularizer` or under `learningRate` becomes that object, and every object is
 * rebuilt without a prototype so keys such as `__proto__` stay plain data.
 */
import type { Layer } from '../../engine/layer.js';
import * as inits from '../../initializers/index.js';
import * as L from '../../layers/index.js';
import * as losses from '../../losses/index.js';
import * as M from '../../metrics/index.js';
import { Metric } from '../../metrics/metric.js';
import * as opt from '../../optimizers/index.js';
import { L1, L1L2, L2 } from '../../regularizers.js';
import { ModelFormatError, formatError } from './errors.js';

type Ctor<T> = new (args: never) => T;
type Base = abstract new (...args: never[]) => unknown;

/**
 * The classes a module exports that extend `base`, by exported name (which is each class's
 * `className`), so classes added to kerno are saved and loaded without a change here.
 */
function classesOf<T>(ns: Record<string, unknown>, base: Base, except: readonly string[] = []): ReadonlyMap<string, Ctor<T>> {
  const m = new Map<string, Ctor<T>>();
  for (const [name, v] of Object.entries(ns)) {
    if (typeof v === 'function' && v.prototype instanceof base && !except.includes(name)) m.set(name, v as Ctor<T>);
  }
  return m;
}

function table<T>(entries: [string, Ctor<T>][]): ReadonlyMap<string, Ctor<T>> {
  return new Map(entries);
}

/** Layer classes (InputLayer is the model's input shape, never a listed layer). */
export const LAYERS = classesOf<Layer>(L, L.Layer, ['InputLayer']);
export const OPTIMIZERS = classesOf<opt.Optimizer>(opt, opt.Optimizer);
const SCHEDULES = classesOf<opt.LearningRateSchedule>(opt, opt.LearningRateSchedule);
export const LOSSES = classesOf<losses.Loss>(losses, losses.Loss);
export const METRICS = classesOf<Metric>(M, Metric);

const INITIALIZERS = table<inits.Initializer>([
  ['Constant', inits.Constant], ['GlorotNormal', inits.GlorotNormal], ['GlorotUniform', inits.GlorotUniform],
  ['HeNormal', inits.HeNormal], ['HeUniform', inits.HeUniform], ['LecunNormal', inits.LecunNormal],
  ['LecunUniform', inits.LecunUniform], ['Ones', inits.Ones], ['RandomNormal', inits.RandomNormal],
  ['RandomUniform', inits.RandomUniform], ['TruncatedNormal', inits.TruncatedNormal],
  ['VarianceScaling', inits.VarianceScaling], ['Zeros', inits.Zeros],
]);

const REGULARIZERS = table<L1 | L2 | L1L2>([['L1', L1], ['L2', L2], ['L1L2', L1L2]]);

/** The registered class name of a metric instance (exact class), or undefined for a user's own class. */
export function metricClassName(m: Metric): string | undefined {
  for (const [name, ctor] of METRICS) if (m.constructor === ctor) return name;
  return undefined;
}

/** `{className, config}` as saved: the class name and the configuration. */
export interface Serialized {
  readonly className: string;
  readonly config: Record<string, unknown>;
}

const MAX_DEPTH = 8;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads `{className, config}` from parsed JSON. */
export function serialized(v: unknown, where: string): Serialized {
  if (!isPlainObject(v) || typeof v.className !== 'string' || !isPlainObject(v.config))
    throw formatError(where, 'an object {className, config}', describeJson(v));
  return { className: v.className, config: v.config };
}

export function describeJson(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 37) + '...' : v);
  return typeof v === 'object' ? 'an object' : `${v}`;
}

function make<T>(registry: ReadonlyMap<string, Ctor<T>>, kind: string, s: Serialized, where: string): T {
  const ctor = registry.get(s.className);
  if (!ctor) throw formatError(`${where}.className`, `a kerno ${kind} (${[...registry.keys()].join(', ')})`, JSON.stringify(s.className));
  try {
    return new ctor(revive(s.config, where, 0) as never);
  } catch (e) {
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError(`${where}: ${s.className} could not be created from the saved configuration: ${(e as Error).message}`, { cause: e });
  }
}

/** Rebuilds config values: null → undefined, nested serialized objects → instances, no prototypes. */
function revive(v: unknown, where: string, depth: number, key = ''): unknown {
  if (depth > MAX_DEPTH) throw formatError(where, `a configuration nested at most ${MAX_DEPTH} levels deep`, 'deeper nesting');
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map((x, i) => revive(x, `${where}[${i}]`, depth + 1));
  if (!isPlainObject(v)) return v;
  if (typeof v.className === 'string' && isPlainObject(v.config)) {
    const s = serialized(v, where);
    if (key.endsWith('Initializer')) return make(INITIALIZERS, 'initializer', s, where);
    if (key.endsWith('Regularizer')) return make(REGULARIZERS, 'regularizer', s, where);
    if (key === 'learningRate') return make(SCHEDULES, 'learning-rate schedule', s, where);
  }
  const out = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(v)) out[k] = revive(v[k], `${where}.${k}`, depth + 1, k);
  return out;
}

export function makeLayer(s: Serialized, where: string): Layer {
  return make(LAYERS, 'layer', s, where);
}

export function makeOptimizer(s: Serialized, where: string): opt.Optimizer {
  // Keras saves weight_decay None for "off"; AdamW's default would turn it back on.
  const config = s.config.weightDecay === null ? { ...s.config, weightDecay: 0 } : s.config;
  return make(OPTIMIZERS, 'optimizer', { className: s.className, config }, where);
}

export function makeLoss(s: Serialized, where: string): losses.Loss {
  return make(LOSSES, 'loss', s, where);
}

export function makeMetric(s: Serialized, where: string): Metric {
  return make(METRICS, 'metric', s, where);
}
