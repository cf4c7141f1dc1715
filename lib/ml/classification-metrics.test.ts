import { describe, expect, it } from "vitest";
import { classificationReport, confusionMatrix, logLoss, rocAuc, rocAucOvr } from "./classification-metrics";

/** Expands a confusion matrix (rows actual, columns predicted) into label arrays. */
function fromMatrix(labels: string[], matrix: number[][]): { actual: string[]; predicted: string[] } {
  const actual: string[] = [];
  const predicted: string[] = [];
  matrix.forEach((row, i) =>
    row.forEach((count, j) => {
      for (let k = 0; k < count; k++) {
        actual.push(labels[i]!);
        predicted.push(labels[j]!);
      }
    }),
  );
  return { actual, predicted };
}

describe("binary: TP=3 FP=1 FN=2 TN=4", () => {
  const actual = ["yes", "yes", "yes", "yes", "yes", "no", "no", "no", "no", "no"];
  const predicted = ["yes", "yes", "yes", "no", "no", "yes", "no", "no", "no", "no"];

  it("counts the confusion matrix with sorted labels", () => {
    // Rows actual, columns predicted; labels sorted: no, yes.
    // actual no:  predicted no 4 (TN), yes 1 (FP)
    // actual yes: predicted no 2 (FN), yes 3 (TP)
    expect(confusionMatrix(actual, predicted)).toEqual({ labels: ["no", "yes"], matrix: [[4, 1], [2, 3]] });
  });

  it("reports the positive label's precision, recall and F1", () => {
    const r = classificationReport(actual, predicted, { positive: "yes" });
    expect(r.average).toBe("binary");
    expect(r.positive).toBe("yes");
    expect(r.accuracy).toBeCloseTo(0.7, 12); // (TP 3 + TN 4) / 10
    expect(r.precision).toBeCloseTo(0.75, 12); // TP / (TP + FP) = 3 / 4
    expect(r.recall).toBeCloseTo(0.6, 12); // TP / (TP + FN) = 3 / 5
    expect(r.f1).toBeCloseTo(2 / 3, 12); // 2·0.75·0.6 / (0.75 + 0.6) = 0.9 / 1.35 = 2TP / (2TP + FP + FN) = 6 / 9
    expect(r.zeroDivision).toEqual([]);
  });

  it("has a per-class table; the negative class is seen from its own side", () => {
    const r = classificationReport(actual, predicted, { positive: "yes" });
    // "no": TP' = 4, FP' = 2 (actual yes predicted no), FN' = 1 → P 4/6, R 4/5, F1 8/(8+2+1)
    expect(r.perClass[0]).toMatchObject({ label: "no", support: 5 });
    expect(r.perClass[0]!.precision).toBeCloseTo(4 / 6, 12);
    expect(r.perClass[0]!.recall).toBeCloseTo(0.8, 12);
    expect(r.perClass[0]!.f1).toBeCloseTo(8 / 11, 12);
    expect(r.perClass[1]).toMatchObject({ label: "yes", precision: 0.75, recall: 0.6, support: 5 });
  });

  it("defaults the positive label of two to the later one in sorted order", () => {
    expect(classificationReport(actual, predicted)).toMatchObject({ average: "binary", positive: "yes", precision: 0.75, recall: 0.6 });
    const flipped = classificationReport(actual, predicted, { positive: "no" });
    expect(flipped.precision).toBeCloseTo(4 / 6, 12);
    expect(flipped.recall).toBeCloseTo(0.8, 12);
  });

  it("refuses a positive label that is not one of two known labels (a typo, most likely)", () => {
    expect(() => classificationReport(actual, predicted, { positive: "Yes" })).toThrow(/"Yes" is not one of the labels: no, yes/);
  });
});

describe("three classes: macro averages", () => {
  // actual \ predicted   cat dog fox   support
  //   cat                  3   1   0      4
  //   dog                  0   2   2      4
  //   fox                  1   0   1      2
  //   column sums          4   3   3     10
  const labels = ["cat", "dog", "fox"];
  const matrix = [
    [3, 1, 0],
    [0, 2, 2],
    [1, 0, 1],
  ];
  const { actual, predicted } = fromMatrix(labels, matrix);

  it("round-trips the confusion matrix", () => {
    expect(confusionMatrix(actual, predicted)).toEqual({ labels, matrix });
  });

  it("averages per-class values without weighting", () => {
    const r = classificationReport(actual, predicted);
    expect(r.average).toBe("macro");
    expect(r.positive).toBeNull();
    expect(r.accuracy).toBeCloseTo(0.6, 12); // diagonal 3 + 2 + 1 = 6 of 10
    // cat: P 3/4, R 3/4, F1 2·3/(2·3+1+1) = 6/8
    // dog: P 2/3, R 2/4, F1 2·2/(2·2+1+2) = 4/7
    // fox: P 1/3, R 1/2, F1 2·1/(2·1+2+1) = 2/5
    const expected = [
      [3 / 4, 3 / 4, 6 / 8, 4],
      [2 / 3, 2 / 4, 4 / 7, 4],
      [1 / 3, 1 / 2, 2 / 5, 2],
    ];
    r.perClass.forEach((c, i) => {
      const [p, rec, f1, support] = expected[i]!;
      expect(c.label).toBe(labels[i]);
      expect(c.precision).toBeCloseTo(p!, 12);
      expect(c.recall).toBeCloseTo(rec!, 12);
      expect(c.f1).toBeCloseTo(f1!, 12);
      expect(c.support).toBe(support);
    });
    expect(r.precision).toBeCloseTo((3 / 4 + 2 / 3 + 1 / 3) / 3, 12); // = 7/12
    expect(r.recall).toBeCloseTo((3 / 4 + 1 / 2 + 1 / 2) / 3, 12); // = 7/12
    expect(r.f1).toBeCloseTo((3 / 4 + 4 / 7 + 2 / 5) / 3, 12); // = (105 + 80 + 56) / 140 / 3 = 241/420
    expect(r.zeroDivision).toEqual([]);
  });

  it("treats one label against the rest when a positive label is given", () => {
    const r = classificationReport(actual, predicted, { positive: "fox" });
    expect(r.average).toBe("binary");
    expect(r.precision).toBeCloseTo(1 / 3, 12);
    expect(r.recall).toBeCloseTo(1 / 2, 12);
    expect(r.accuracy).toBeCloseTo(0.6, 12); // accuracy stays over all three labels
  });
});

describe("zero division", () => {
  it("reports 0 and flags precision for a class that is never predicted", () => {
    // actual \ predicted   a  b  c
    //   a                  2  0  0
    //   b                  0  2  0
    //   c                  1  0  0    ← c is never predicted: its column sums to 0
    const actual = ["a", "a", "b", "b", "c"];
    const predicted = ["a", "a", "b", "b", "a"];
    const r = classificationReport(actual, predicted);
    expect(r.zeroDivision).toEqual(["precision:c"]);
    // c: P 0/0 → 0 (flagged), R 0/1 = 0, F1 0/(0+0+1) = 0 (a real 0, not flagged)
    expect(r.perClass[2]).toEqual({ label: "c", precision: 0, recall: 0, f1: 0, support: 1 });
    // a: P 2/3, R 2/2, F1 4/(4+1+0) = 0.8;  b: 1, 1, 1
    expect(r.precision).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12); // = 5/9
    expect(r.recall).toBeCloseTo((1 + 1 + 0) / 3, 12);
    expect(r.f1).toBeCloseTo((0.8 + 1 + 0) / 3, 12); // = 0.6
    expect(r.accuracy).toBeCloseTo(0.8, 12);
  });

  it("flags the binary positive label when it is never predicted", () => {
    const r = classificationReport(["yes", "yes", "no"], ["no", "no", "no"], { positive: "yes" });
    // TP 0, FP 0, FN 2: precision 0/0 → 0 flagged; recall 0/2 = 0; F1 0/(0+0+2) = 0
    expect(r).toMatchObject({ precision: 0, recall: 0, f1: 0, zeroDivision: ["precision:yes"] });
    expect(Number.isNaN(r.precision)).toBe(false);
  });

  it("flags every metric of a listed label that occurs nowhere", () => {
    const r = classificationReport(["a", "b"], ["a", "b"], { labels: ["a", "b", "z"] });
    expect(r.zeroDivision).toEqual(["precision:z", "recall:z", "f1:z"]);
    expect(r.precision).toBeCloseTo(2 / 3, 12); // (1 + 1 + 0) / 3
  });

  it("accepts a positive label absent from single-class data (support 0, flagged)", () => {
    const r = classificationReport(["no", "no"], ["no", "no"], { positive: "yes" });
    expect(r.perClass.map((c) => c.label)).toEqual(["no", "yes"]);
    expect(r).toMatchObject({ accuracy: 1, precision: 0, recall: 0, f1: 0 });
    expect(r.zeroDivision).toEqual(["precision:yes", "recall:yes", "f1:yes"]);
  });
});

describe("extremes", () => {
  it("perfect predictions score 1 everywhere", () => {
    const y = ["a", "b", "c", "a", "b", "c"];
    const r = classificationReport(y, y);
    expect(r).toMatchObject({ accuracy: 1, precision: 1, recall: 1, f1: 1, zeroDivision: [] });
    expect(confusionMatrix(y, y).matrix).toEqual([
      [2, 0, 0],
      [0, 2, 0],
      [0, 0, 2],
    ]);
  });

  it("all-wrong binary predictions score 0 without any zero division", () => {
    // TP 0, FP 2, FN 2, TN 0: precision 0/2, recall 0/2, F1 0/(0+2+2)
    const r = classificationReport(["yes", "no", "yes", "no"], ["no", "yes", "no", "yes"]);
    expect(r).toMatchObject({ accuracy: 0, precision: 0, recall: 0, f1: 0, positive: "yes", zeroDivision: [] });
  });

  it("refuses empty or mismatched input with a clear message", () => {
    expect(() => classificationReport([], [])).toThrow("Cannot compute classification metrics without any samples.");
    expect(() => confusionMatrix([], [])).toThrow(/without any samples/);
    expect(() => classificationReport(["a"], ["a", "b"])).toThrow(/differ in length \(1 vs 2\)/);
    expect(() => confusionMatrix(["a"], ["a"], [])).toThrow(/labels must not be empty/);
  });

  it("leaves out samples whose labels are not listed, but not from accuracy", () => {
    expect(confusionMatrix(["a", "b", "x"], ["a", "x", "b"], ["a", "b"]).matrix).toEqual([
      [1, 0],
      [0, 0],
    ]);
    expect(classificationReport(["a", "b", "x"], ["a", "x", "b"], { labels: ["a", "b"] }).accuracy).toBeCloseTo(1 / 3, 12);
  });
});

describe("logLoss", () => {
  it("is the mean negative log probability of the actual class", () => {
    // −(ln 0.9 + ln 0.8 + ln 0.5) / 3 = (0.1053605 + 0.2231436 + 0.6931472) / 3
    const loss = logLoss(
      [
        [0.9, 0.1],
        [0.2, 0.8],
        [0.5, 0.5],
      ],
      [0, 1, 1],
    );
    expect(loss).toBeCloseTo(0.3405504, 6);
  });

  it("clips probabilities at 1e-15 so a certain mistake is finite", () => {
    expect(logLoss([[0, 1]], [0])).toBeCloseTo(-Math.log(1e-15), 9); // 34.5388
    expect(logLoss([[1, 0]], [0])).toBeLessThan(1e-14);
  });

  it("refuses empty input and bad class indexes", () => {
    expect(() => logLoss([], [])).toThrow(/without any samples/);
    expect(() => logLoss([[0.5, 0.5]], [2])).toThrow(/not a class index/);
  });
});

/** The AUC's definition, pair by pair: P(score of a positive > score of a negative), ties count ½. */
function pairwiseAuc(labels: boolean[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((pos, i) => {
    if (!pos) return;
    labels.forEach((neg, j) => {
      if (neg) return;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe("rocAuc (binary)", () => {
  it("matches sklearn's documented example", () => {
    // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75:
    // ranks 1, 3, 2, 4; positives' rank sum 2 + 4 = 6; U = 6 − 2·3/2 = 3; AUC = 3 / (2·2).
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([false, false, true, true], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it("gives tied scores average ranks: a positive tied with a negative counts one half", () => {
    // Sorted: 0.1 (1), 0.2 (2), 0.5 0.5 (3.5 each), 0.9 (5). Positives 0.5, 0.9, 0.2: 3.5 + 5 + 2 = 10.5;
    // U = 10.5 − 3·4/2 = 4.5; AUC = 4.5 / (3·2) = 0.75. Pairwise: 0.5 beats 0.1 and ties 0.5 (1.5),
    // 0.9 beats both (2), 0.2 beats 0.1 (1): 4.5 of 6.
    expect(rocAuc([0, 0, 1, 1, 1], [0.1, 0.5, 0.5, 0.9, 0.2])).toBe(0.75);
    expect(rocAuc([0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3])).toBe(0.5);
  });

  it("is 1 for a perfect ranking, 0 for a reversed one, whatever the scale", () => {
    expect(rocAuc([0, 0, 1], [-5, 2, 1e9])).toBe(1);
    expect(rocAuc([1, 1, 0], [0.1, 0.2, 0.3])).toBe(0);
  });

  it("agrees with the pairwise definition on random data with many ties", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(random() * 60);
      const labels = Array.from({ length: n }, (_, i) => (i < 2 ? i === 0 : random() < 0.3));
      const scores = labels.map((pos) => Math.round((random() + (pos ? 0.3 : 0)) * 8) / 8);
      expect(rocAuc(labels, scores)).toBeCloseTo(pairwiseAuc(labels, scores), 12);
    }
  });

  it("is null (not defined) when only one class is present", () => {
    expect(rocAuc([1, 1, 1], [0.2, 0.5, 0.9])).toBeNull();
    expect(rocAuc([false], [0.5])).toBeNull();
  });

  it("refuses mismatched lengths, no samples, non-finite scores and labels other than 0/1", () => {
    expect(() => rocAuc([0, 1], [0.5])).toThrow(/differ in length \(2 vs 1\)/);
    expect(() => rocAuc([], [])).toThrow(/without any samples/);
    expect(() => rocAuc([0, 1], [0.5, NaN])).toThrow("scores[1] = NaN is not a finite number.");
    expect(() => rocAuc([0, 2 as 1], [0.5, 0.6])).toThrow("labels[1] = 2 is not 0, 1, true or false.");
  });
});

describe("rocAucOvr (multiclass, one-vs-rest, macro)", () => {
  const probabilities = [
    [0.6, 0.3, 0.1],
    [0.3, 0.4, 0.3],
    [0.2, 0.5, 0.3],
    [0.5, 0.2, 0.3],
    [0.1, 0.2, 0.7],
    [0.3, 0.3, 0.4],
  ];
  const actual = [0, 0, 1, 1, 2, 2];

  it("averages the per-class AUCs, computed by hand", () => {
    // Class 0: positives score 0.6, 0.3; negatives 0.2, 0.5, 0.1, 0.3. 0.6 beats all 4; 0.3 beats
    //   0.2 and 0.1 and ties 0.3: 2.5. AUC = 6.5 / 8 = 0.8125.
    // Class 1: positives 0.5, 0.2; negatives 0.3, 0.4, 0.2, 0.3. 0.5 beats all 4; 0.2 ties 0.2: 0.5.
    //   AUC = 4.5 / 8 = 0.5625.
    // Class 2: positives 0.7, 0.4; negatives 0.1, 0.3, 0.3, 0.3: both beat all. AUC = 1.
    // Macro: (0.8125 + 0.5625 + 1) / 3 = 2.375 / 3.
    expect(rocAucOvr(probabilities, actual)).toBeCloseTo(2.375 / 3, 12);
  });

  it("equals the binary AUC with two classes (class 0's AUC mirrors class 1's)", () => {
    const p1 = [0.1, 0.4, 0.35, 0.8];
    expect(rocAucOvr(p1.map((p) => [1 - p, p]), [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
  });

  it("is null when a class never occurs, as sklearn refuses it", () => {
    expect(rocAucOvr(probabilities, [0, 0, 1, 1, 1, 1])).toBeNull();
    expect(rocAucOvr(probabilities, [2, 2, 2, 2, 2, 2])).toBeNull();
  });

  it("refuses ragged rows, bad class indexes and mismatched lengths", () => {
    expect(() => rocAucOvr([[0.5, 0.5], [1]], [0, 1])).toThrow("probabilities[1] has 1 classes; the first row has 2.");
    expect(() => rocAucOvr([[0.5, 0.5]], [2])).toThrow("actualIndex[0] = 2 is not a class index below 2.");
    expect(() => rocAucOvr([[1]], [0])).toThrow(/at least two classes/);
    expect(() => rocAucOvr([[0.5, 0.5]], [])).toThrow(/differ in length/);
    expect(() => rocAucOvr([], [])).toThrow(/without any samples/);
  });
});
