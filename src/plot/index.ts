/**
 * Charts as SVG strings — a seaborn-style confusion-matrix heatmap and training curves — and
 * `savePlot` to write them as SVG or PNG (through sharp).
 */
export { plotConfusionMatrix } from './confusionMatrix.js';
export type { CellFormat, MatrixInput, PlotConfusionMatrixOptions } from './confusionMatrix.js';
export { plotHistory } from './history.js';
export type { HistoryLike, PlotHistoryOptions } from './history.js';
export { renderPng, savePlot } from './save.js';
export type { SavePlotOptions } from './save.js';
export type { ColormapName } from './colormap.js';
