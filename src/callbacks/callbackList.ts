/**
 * CallbackList (Keras `keras.callbacks.CallbackList`): runs every callback's hook in list order.
 *
 * For speed in the per-batch loop, the list precomputes which callbacks implement each hook, so
 * a hook nobody implements costs one length check; a hook's promise is awaited before the next
 * callback runs (order is kept), and a synchronous hook causes no await at all.
 */
import { ValueError, expectedMessage } from '../errors.js';
import type { Model } from '../engine/model.js';
import { Callback, HOOK_NAMES, type CallbackHooks, type CallbackParams, type HookName, type Logs, type PredictBatchLogs } from './callback.js';

/** What the loops accept in `callbacks`: Callback instances or plain objects with hook functions. */
export type CallbackLike = Callback | CallbackHooks;

type AnyHook = (a: unknown, b?: unknown) => void | Promise<void>;

/** Wraps a plain object of hooks as a Callback (hooks run with `this` = the object). */
class HooksCallback extends Callback {
  constructor(hooks: CallbackHooks) {
    super();
    for (const name of HOOK_NAMES) {
      const fn = hooks[name] as AnyHook | undefined;
      if (fn !== undefined) (this as unknown as Record<string, AnyHook>)[name] = (a, b) => fn.call(hooks, a, b);
    }
  }
}

const HOOKS = new Set<string>(HOOK_NAMES);

function toCallback(c: unknown, where: string): Callback {
  if (c instanceof Callback) return c;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    throw new ValueError(expectedMessage(where, 'a Callback or an object of hook functions (onEpochEnd, ...)', c));
  }
  for (const [key, value] of Object.entries(c)) {
    // A misspelt hook would silently never run: name the valid ones instead.
    if (/^on[A-Z]/.test(key) && !HOOKS.has(key)) {
      throw new ValueError(expectedMessage(`${where}.${key}`, `a hook name (one of ${HOOK_NAMES.join(', ')})`, key));
    }
    if (HOOKS.has(key) && typeof value !== 'function') {
      throw new ValueError(expectedMessage(`${where}.${key}`, 'a function', value));
    }
  }
  return new HooksCallback(c as CallbackHooks);
}

function implementsHook(cb: Callback, name: HookName): boolean {
  const base = Callback.prototype as unknown as Record<string, unknown>;
  const own = (n: string): boolean => (cb as unknown as Record<string, unknown>)[n] !== base[n];
  // The default train-batch hooks forward to the legacy batch hooks.
  if (name === 'onTrainBatchBegin') return own(name) || own('onBatchBegin');
  if (name === 'onTrainBatchEnd') return own(name) || own('onBatchEnd');
  return own(name);
}

function isThenable(r: unknown): r is PromiseLike<void> {
  return r !== undefined && r !== null && typeof (r as { then?: unknown }).then === 'function';
}

const EMPTY_LOGS: Logs = Object.freeze({}) as Logs;

export class CallbackList {
  readonly callbacks: readonly Callback[];
  readonly #byHook = new Map<HookName, Callback[]>();

  /**
   * @param callbacks - user callbacks (validated; plain objects are wrapped), run first, in order.
   * @param extra - callbacks the loop adds after the user's (History, then the progress bar), as Keras.
   */
  constructor(callbacks: readonly CallbackLike[] | undefined, extra: readonly Callback[] = [], where = 'callbacks') {
    if (callbacks !== undefined && !Array.isArray(callbacks)) {
      throw new ValueError(expectedMessage(where, 'an array of callbacks', callbacks));
    }
    const list = (callbacks ?? []).map((c, i) => toCallback(c, `${where}[${i}]`));
    this.callbacks = [...list, ...extra];
    for (const name of HOOK_NAMES) this.#byHook.set(name, this.callbacks.filter((cb) => implementsHook(cb, name)));
  }

  setModel(model: Model): void {
    for (const cb of this.callbacks) cb.setModel(model);
  }

  setParams(params: CallbackParams): void {
    for (const cb of this.callbacks) cb.setParams(params);
  }

  /** Whether any callback implements `hook` (the loop skips building logs nobody reads). */
  has(hook: HookName): boolean {
    return this.#byHook.get(hook)!.length > 0;
  }

  /** Calls `hook(a, b)` on each implementing callback in order; returns a promise only if some hook did. */
  call(hook: HookName, a: unknown, b?: unknown): void | Promise<void> {
    const list = this.#byHook.get(hook)!;
    for (let i = 0; i < list.length; i++) {
      const r = (list[i] as unknown as Record<string, AnyHook>)[hook](a, b);
      if (isThenable(r)) return this.#finish(r, list, i + 1, hook, a, b);
    }
  }

  async #finish(pending: PromiseLike<void>, list: Callback[], from: number, hook: HookName, a: unknown, b: unknown): Promise<void> {
    await pending;
    for (let i = from; i < list.length; i++) await (list[i] as unknown as Record<string, AnyHook>)[hook](a, b);
  }

  onTrainBegin(logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onTrainBegin', logs); }
  onTrainEnd(logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onTrainEnd', logs); }
  onEpochBegin(epoch: number, logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onEpochBegin', epoch, logs); }
  onEpochEnd(epoch: number, logs: Logs): void | Promise<void> { return this.call('onEpochEnd', epoch, logs); }
  onTrainBatchBegin(batch: number, logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onTrainBatchBegin', batch, logs); }
  onTrainBatchEnd(batch: number, logs: Logs): void | Promise<void> { return this.call('onTrainBatchEnd', batch, logs); }
  onTestBegin(logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onTestBegin', logs); }
  onTestEnd(logs: Logs): void | Promise<void> { return this.call('onTestEnd', logs); }
  onTestBatchBegin(batch: number, logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onTestBatchBegin', batch, logs); }
  onTestBatchEnd(batch: number, logs: Logs): void | Promise<void> { return this.call('onTestBatchEnd', batch, logs); }
  onPredictBegin(logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onPredictBegin', logs); }
  onPredictEnd(logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onPredictEnd', logs); }
  onPredictBatchBegin(batch: number, logs: Logs = EMPTY_LOGS): void | Promise<void> { return this.call('onPredictBatchBegin', batch, logs); }
  onPredictBatchEnd(batch: number, logs: PredictBatchLogs): void | Promise<void> { return this.call('onPredictBatchEnd', batch, logs); }
}
