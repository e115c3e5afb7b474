/**
 * Evaluation metrics with scikit-learn's semantics: confusion matrix, classification report,
 * precision/recall/F1, accuracy, ROC AUC and top-k accuracy. Inputs are label arrays (numbers or
 * strings) or 2-D scores that are argmaxed, so `model.predict(x)` can be passed as it is.
 */
export { ConfusionMatrix, confusionMatrix } from './confusionMatrix.js';
export type { ConfusionMatrixOptions, Normalize } from './confusionMatrix.js';
export { classificationReport } from './classificationReport.js';
export type { ClassificationReportDict, ClassificationReportOptions, ReportRow } from './classificationReport.js';
export { accuracyScore, f1Score, precisionRecallFscoreSupport, precisionScore, recallScore } from './scores.js';
export type { AccuracyOptions, Average, PrfsAveraged, PrfsOptions, PrfsPerClass, ScoreOptions, ZeroDivision } from './scores.js';
export { rocAucScore } from './rocAuc.js';
export type { RocAucOptions } from './rocAuc.js';
export { topKAccuracyScore } from './topK.js';
export type { TopKOptions } from './topK.js';
export type { Label, LabelInput, NumericTypedArray, TensorLike, WeightInput } from './labels.js';
