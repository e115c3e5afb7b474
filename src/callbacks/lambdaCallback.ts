/**
 * LambdaCallback (Keras `keras.callbacks.LambdaCallback`): a callback made of functions, e.g.
 * `new LambdaCallback({ onEpochEnd: (epoch, logs) => console.log(epoch, logs.loss) })`.
 * Any hook may be given (Keras names six; kerno accepts every hook) and may be async. The
 * functions are called as plain functions with the hook's arguments; `this.model` is on the
 * LambdaCallback instance (`cb.model`), set before the first hook.
 */
import { ValueError, expectedMessage } from '../errors.js';
import { Callback, type CallbackHooks, HOOK_NAMES } from './callback.js';

const HOOKS = new Set<string>(HOOK_NAMES);

export class LambdaCallback extends Callback {
  constructor(hooks: CallbackHooks = {}) {
    super();
    if (hooks === null || typeof hooks !== 'object' || Array.isArray(hooks)) {
      throw new ValueError(expectedMessage('LambdaCallback: argument "hooks"', 'an object of hook functions (onEpochEnd, ...)', hooks));
    }
    for (const [key, fn] of Object.entries(hooks)) {
      // A misspelt hook would silently never run: name the valid ones instead.
      if (!HOOKS.has(key)) throw new ValueError(expectedMessage(`LambdaCallback: option "${key}"`, `a hook name (one of ${HOOK_NAMES.join(', ')})`, key));
      if (typeof fn !== 'function') throw new ValueError(expectedMessage(`LambdaCallback: option "${key}"`, 'a function', fn));
      // An own property shadows the base hook, which is how CallbackList sees that it is implemented.
      (this as unknown as Record<string, unknown>)[key] = (a: unknown, b: unknown) => (fn as (a: unknown, b: unknown) => unknown)(a, b);
    }
  }
}
