/**
 * Step 1 — load Fashion-MNIST and one-hot encode the labels.
 *
 * Keras:  (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
 *         y_train = keras.utils.to_categorical(y_train, 10)
 *
 * The images stay uint8 (0–255): the models start with a Rescaling(1/255) layer, so the scaling
 * travels with the model into its ONNX file. The labels are class indices; a softmax output
 * trained with categorical cross-entropy wants them one-hot: label 3 → [0, 0, 0, 1, 0, …].
 */
import { datasets, toCategorical } from '../../src/index.js';
import { type Data, type StepResult, type Tutorial, classCounts, heading, table } from './shared.js';

/** Loads the data (from `dataPath` or the shipped subset) before the run sizes are known. */
export function loadFashionMnist(dataPath: string | undefined): ReturnType<typeof datasets.fashionMnist> {
  return datasets.fashionMnist(dataPath ? { path: dataPath } : {});
}

export function stepData(t: Tutorial, raw: ReturnType<typeof datasets.fashionMnist>): { data: Data; result: StepResult } {
  heading(1, 'Load the data and one-hot encode the labels',
    'Fashion-MNIST: 28×28 grayscale images of 10 kinds of clothing. Labels become one-hot vectors for categorical cross-entropy.');
  const { train, test, classNames } = raw;
  const s = t.sizes;
  // slice() is a view: no copy of the pixels.
  const xTrain = train.x.slice(0, s.train), yTrain = train.y.slice(0, s.train);
  const xTest = test.x.slice(0, s.test), yTest = test.y.slice(0, s.test);
  const yTrainOneHot = toCategorical(yTrain, 10);
  const yTestOneHot = toCategorical(yTest, 10);

  console.log(`Training images ${xTrain.shape.join('×')} (${xTrain.dtype}), test images ${xTest.shape.join('×')}` +
    (s.train < train.x.shape[0] ? ` — the first ${s.train} of ${train.x.shape[0]} (quick mode)` : ''));
  const first = yTrain.data[0];
  console.log(`The first label is ${first} (${classNames[first]}); one-hot: [${yTrainOneHot.slice(0, 1).data.join(', ')}]\n`);

  const trainCounts = classCounts(yTrain), testCounts = classCounts(yTest);
  table(['label', 'class', 'training images', 'test images'], classNames.map((name, c) => [c, name, trainCounts[c], testCounts[c]]));

  return {
    data: { xTrain, yTrain, yTrainOneHot, xTest, yTest, yTestOneHot, classNames },
    result: {
      title: 'Load the data and one-hot encode the labels',
      outputs: [],
      trainShape: xTrain.shape, testShape: xTest.shape, oneHotShape: yTrainOneHot.shape,
      classNames, trainCounts, testCounts,
    },
  };
}
