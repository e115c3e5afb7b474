/**
 * Keras callbacks: the Callback base class (subclass it, or pass plain objects of hook functions
 * to `fit`), CallbackList, History (what `fit` returns), ProgbarLogger (the progress output
 * `fit`, `evaluate` and `predict` add when verbose is not 0), and Keras 3's training callbacks:
 * EarlyStopping, ModelCheckpoint, ReduceLROnPlateau, LearningRateScheduler, CSVLogger,
 * TerminateOnNaN and LambdaCallback; and PlotHistory (training curves written at the end of fit).
 */
export { Callback, type CallbackHooks, type CallbackParams, type Logs, type PredictBatchLogs } from './callback.js';
export { CallbackList, type CallbackLike } from './callbackList.js';
export { History } from '../engine/history.js';
export { ProgbarLogger, type ProgressOutput } from '../engine/progbar.js';
export { EarlyStopping, type EarlyStoppingArgs } from './earlyStopping.js';
export { ModelCheckpoint, type ModelCheckpointArgs } from './modelCheckpoint.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauArgs } from './reduceLROnPlateau.js';
export { LearningRateScheduler, type LearningRateSchedulerArgs, type Schedule } from './learningRateScheduler.js';
export { CSVLogger, type CSVLoggerArgs } from './csvLogger.js';
export { TerminateOnNaN, type TerminateOnNaNArgs } from './terminateOnNaN.js';
export { LambdaCallback } from './lambdaCallback.js';
export { PlotHistory, type PlotHistoryArgs } from './plotHistory.js';
export type { MonitorMode } from './monitor.js';
export { BackupAndRestore } from './backupAndRestore.js';
