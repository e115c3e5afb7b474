/**
 * Keras callbacks: the Callback base class (subclass it, or pass plain objects of hook functions
 * to `fit`), CallbackList, History (what `fit` returns) and ProgbarLogger (the progress output
 * `fit`, `evaluate` and `predict` add when verbose is not 0).
 */
export { Callback, type CallbackHooks, type CallbackParams, type Logs, type PredictBatchLogs } from './callback.js';
export { CallbackList, type CallbackLike } from './callbackList.js';
export { History } from '../engine/history.js';
export { ProgbarLogger, type ProgressOutput } from '../engine/progbar.js';
