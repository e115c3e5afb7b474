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

// Keras streaming metrics, used by `compile({metrics})` and updated batch by batch during fit.
export { Metric, type MetricBatch } from './metric.js';
export type { MetricArgs } from './kerasMetricBase.js';
export { Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, type BinaryAccuracyArgs } from './accuracy.js';
export { SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, type TopKArgs } from './topKAccuracy.js';
export { AUC, F1Score, Precision, Recall, type AUCArgs, type F1ScoreArgs, type PrecisionRecallArgs } from './confusionMetrics.js';
export { MeanAbsoluteError, MeanSquaredError } from './regression.js';
export { getMetric, metricNames, type MetricIdentifier } from './kerasMetrics.js';
