import { describe, expect, it } from "vitest";
import { mulberry32 } from "@/lib/datasets/sample";
import { classificationReport, logLoss } from "./classification-metrics";
import { classWeights, createModel, fitLogisticRegression, predictClass, predictProba, trainEpoch, trainingLoss } from "./logistic-regression";

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random());
}

/** Points in [-1, 1]² labelled by the side of the line x + 2y = 0.1, none within 0.05 of it. */
function separable(n: number, seed: number): { x: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const x: number[][] = [];
  const y: number[] = [];
  while (x.length < n) {
    const point = [random() * 2 - 1, random() * 2 - 1];
    const side = point[0]! + 2 * point[1]! - 0.1;
    if (Math.abs(side) < 0.05) continue;
    x.push(point);
    y.push(side > 0 ? 1 : 0);
  }
  return { x, y };
}

function blobs(perClass: number, seed: number): { x: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const centres = [
    [0, 0],
    [3, 0],
    [0, 3],
  ];
  const x: number[][] = [];
  const y: number[] = [];
  centres.forEach(([cx, cy], k) => {
    for (let i = 0; i < perClass; i++) {
      x.push([cx! + 0.6 * gaussian(random), cy! + 0.6 * gaussian(random)]);
      y.push(k);
    }
  });
  return { x, y };
}

/** Two overlapping 1-D Gaussians, 10% of rows in class 1: an unweighted fit rarely predicts it. */
function imbalanced(n: number, seed: number): { x: number[][]; y: number[] } {
  const random = mulberry32(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 10 === 0 ? 1 : 0;
    x.push([label + gaussian(random)]);
    y.push(label);
  }
  return { x, y };
}

function recall(predicted: number[], actual: number[], label: number): number {
  const positives = actual.filter((a) => a === label).length;
  return predicted.filter((p, i) => p === label && actual[i] === label).length / positives;
}

function accuracy(predicted: number[], actual: number[]): number {
  return predicted.filter((p, i) => p === actual[i]).length / actual.length;
}

describe("logistic regression", () => {
  it("takes the gradient step worked out by hand", () => {
    // Zero weights → p = (0.5, 0.5) for both rows. x = [[1], [-1]], y = [1, 0].
    // class 1: (0.5 − 1)·1 + (0.5 − 0)·(−1) = −1, mean −0.5 → w₁ = 0 − 1·(−0.5) = 0.5
    // class 0: (0.5 − 0)·1 + (0.5 − 1)·(−1) = 1, mean 0.5 → w₀ = −0.5; bias gradients sum to 0
    const model = createModel(1, 2);
    trainEpoch(model, [[1], [-1]], [1, 0], { learningRate: 1, l2: 0 }, mulberry32(1));
    expect(model.weights).toEqual([[-0.5], [0.5]]);
    expect(model.bias).toEqual([0, 0]);
    // Scores now ±0.5: p(class 1 | x = 1) = 1 / (1 + e^−1)
    expect(predictProba(model, [[1]])[0]![1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12);
  });

  it("learns a linearly separable 2-D dataset to ≥ 0.95 accuracy on held-out points", () => {
    const train = separable(400, 1);
    const test = separable(200, 2);
    const model = fitLogisticRegression(train.x, train.y, 2, { epochs: 200, learningRate: 0.5, l2: 0 });
    expect(accuracy(predictClass(model, train.x), train.y)).toBeGreaterThanOrEqual(0.95);
    expect(accuracy(predictClass(model, test.x), test.y)).toBeGreaterThanOrEqual(0.95);
    // The learnt boundary is parallel to x + 2y = 0.1: the weight difference points along (1, 2).
    const [w0, w1] = model.weights;
    const dx = w1![0]! - w0![0]!;
    const dy = w1![1]! - w0![1]!;
    expect(dy / dx).toBeGreaterThan(1.5);
    expect(dy / dx).toBeLessThan(2.5);
  });

  it("separates three Gaussian blobs with mini-batches, and the loss falls", () => {
    const train = blobs(100, 3);
    const test = blobs(50, 4);
    const model = createModel(2, 3);
    const random = mulberry32(7);
    const losses: number[] = [];
    for (let epoch = 0; epoch < 20; epoch++) {
      trainEpoch(model, train.x, train.y, { learningRate: 0.2, l2: 1e-3, batchSize: 32 }, random);
      losses.push(logLoss(predictProba(model, train.x), train.y));
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    const report = classificationReport(test.y.map(String), predictClass(model, test.x).map(String));
    expect(report.average).toBe("macro");
    expect(report.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.f1).toBeGreaterThanOrEqual(0.95);
  });

  it("is deterministic for a seed, and the seed orders the mini-batches", () => {
    const { x, y } = blobs(30, 5);
    const options = { epochs: 5, learningRate: 0.3, l2: 0, batchSize: 8 };
    const a = fitLogisticRegression(x, y, 3, { ...options, seed: 11 });
    expect(fitLogisticRegression(x, y, 3, { ...options, seed: 11 })).toEqual(a);
    expect(fitLogisticRegression(x, y, 3, { ...options, seed: 12 })).not.toEqual(a);
  });

  it("shrinks the weights with L2", () => {
    const { x, y } = separable(200, 6);
    const norm = (l2: number) => fitLogisticRegression(x, y, 2, { epochs: 100, learningRate: 0.5, l2 }).weights.flat().reduce((s, w) => s + w * w, 0);
    expect(norm(0.1)).toBeLessThan(norm(0) / 2);
  });

  it("computes scikit-learn's balanced class weights", () => {
    // n = 4, two classes present: 4 / (2·3) and 4 / (2·1); the weights of all rows sum to n.
    expect(classWeights([0, 0, 0, 1], 2, "balanced")).toEqual([2 / 3, 2]);
    expect(classWeights([0, 0, 0, 1], 2)).toEqual([1, 1]);
    // Class 1 absent: n_classes counts the two present, and the absent one keeps weight 1.
    expect(classWeights([0, 2, 2, 2], 3, "balanced")).toEqual([2, 1, 2 / 3]);
    expect(() => classWeights([0, 2], 2, "balanced")).toThrow(/Label 2 is not a class index below 2/);
  });

  it("weights each row's gradient and the training loss by its class weight", () => {
    // As the hand-worked step above, with class 1 weighing 3: class 1's gradient is
    // (3·(0.5 − 1)·1 + 1·(0.5 − 0)·(−1)) / 2 = −1; the bias gradient 3·(−0.5) + 1·0.5 = −1, mean −0.5.
    const model = createModel(1, 2);
    trainEpoch(model, [[1], [-1]], [1, 0], { learningRate: 1, l2: 0, classWeights: [1, 3] }, mulberry32(1));
    expect(model.weights).toEqual([[-1], [1]]);
    expect(model.bias).toEqual([-0.5, 0.5]);
    const zero = createModel(1, 2);
    expect(trainingLoss(zero, [[1], [-1]], [1, 0], [1, 3])).toBeCloseTo(2 * Math.LN2, 12);
    expect(trainingLoss(model, [[1], [-1]], [1, 0])).toBeCloseTo(logLoss(predictProba(model, [[1], [-1]]), [1, 0]), 12);
  });

  it("raises the minority class's recall with balanced weighting", () => {
    const train = imbalanced(2000, 8);
    const test = imbalanced(1000, 9);
    const options = { epochs: 200, learningRate: 0.5, l2: 0 };
    const plain = fitLogisticRegression(train.x, train.y, 2, options);
    const balanced = fitLogisticRegression(train.x, train.y, 2, { ...options, classWeight: "balanced" });
    const plainRecall = recall(predictClass(plain, test.x), test.y, 1);
    const balancedRecall = recall(predictClass(balanced, test.x), test.y, 1);
    expect(plainRecall).toBeLessThan(0.2);
    expect(balancedRecall).toBeGreaterThan(0.6);
    // The price: more of the majority class is flagged, so accuracy falls below always answering 0.
    expect(accuracy(predictClass(balanced, test.x), test.y)).toBeLessThan(accuracy(predictClass(plain, test.x), test.y));
  });

  it("refuses fewer than two classes and empty data", () => {
    expect(() => createModel(3, 1)).toThrow(/at least two classes/);
    expect(() => trainEpoch(createModel(1, 2), [], [], { learningRate: 1, l2: 0 }, mulberry32(1))).toThrow(/got 0 rows/);
  });
});
