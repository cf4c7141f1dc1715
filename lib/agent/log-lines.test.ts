import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { removeTempDirs, tempDir } from "./fake-server";
import { offsetOfLine, readLogBatch, takeLines } from "./log-lines";
import { LOG_LINE_MAX } from "./protocol";

const bytes = (s: string) => Buffer.from(s, "utf8");

/** A small deterministic PRNG, so a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** A log with every awkward case: long lines, multibyte characters on piece boundaries, CRLF, empty lines, a last line without newline. */
function awkwardLog(): Buffer {
  return bytes(
    [
      "epoch 1",
      "",
      "windows line\r",
      "x".repeat(LOG_LINE_MAX),
      "y".repeat(LOG_LINE_MAX + 1),
      "é".repeat(LOG_LINE_MAX),
      "a" + "😀".repeat(LOG_LINE_MAX / 2),
      "z".repeat(3 * LOG_LINE_MAX + 7),
      "done",
    ].join("\n") + "\nprogress 99%",
  );
}

afterAll(removeTempDirs);

describe("log lines", () => {
  it("splits on newlines and drops a carriage return before them", () => {
    expect(takeLines(bytes("a\nb\r\n\nc"), 100, false)).toEqual({ lines: ["a", "b", ""], consumed: 6 });
    expect(takeLines(bytes("a\nb\r\n\nc"), 100, true)).toEqual({ lines: ["a", "b", "", "c"], consumed: 7 });
    expect(takeLines(bytes("a\nb\nc\n"), 2, false)).toEqual({ lines: ["a", "b"], consumed: 4 });
    expect(takeLines(bytes("nul\0here\n"), 1, false).lines).toEqual(["nul\uFFFDhere"]);
  });

  it("cuts long lines into pieces of at most LOG_LINE_MAX characters, on character boundaries", () => {
    expect(takeLines(bytes("x".repeat(LOG_LINE_MAX) + "\n"), 10, false).lines).toEqual(["x".repeat(LOG_LINE_MAX)]);
    expect(takeLines(bytes("x".repeat(2 * LOG_LINE_MAX + 5) + "\n"), 10, false).lines.map((l) => l.length)).toEqual([LOG_LINE_MAX, LOG_LINE_MAX, 5]);
    // "a" first puts a two-byte character across the LOG_LINE_MAX-th byte.
    const accented = "a" + "é".repeat(LOG_LINE_MAX);
    const pieces = takeLines(bytes(accented + "\n"), 10, false).lines;
    expect(pieces.join("")).toBe(accented);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(LOG_LINE_MAX);
      expect(piece).not.toContain("\uFFFD");
    }
  });

  it("sends pieces of a line still being written only when they cannot change", () => {
    const growing = bytes("p".repeat(LOG_LINE_MAX + 10));
    expect(takeLines(growing, 10, false)).toEqual({ lines: ["p".repeat(LOG_LINE_MAX)], consumed: LOG_LINE_MAX });
    expect(takeLines(bytes("p".repeat(LOG_LINE_MAX)), 10, false).lines).toEqual([]);
  });

  it("numbers lines the same however the file is read: whole, as it grows, or resumed after a crash", () => {
    const log = awkwardLog();
    const whole = takeLines(log, Infinity, true).lines;
    expect(whole.join("\n")).toContain("progress 99%");
    expect(whole.join("\n")).not.toContain("\uFFFD");
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = random(seed);
      const got: string[] = [];
      let offset = 0;
      let size = 0;
      // The file grows by random amounts; each look reads a random number of lines from the saved offset.
      while (size < log.length) {
        size = Math.min(log.length, size + 1 + Math.floor(rnd() * 3 * LOG_LINE_MAX));
        const taken = takeLines(log.subarray(offset, size), 1 + Math.floor(rnd() * 4), false);
        got.push(...taken.lines);
        offset += taken.consumed;
      }
      for (;;) {
        const taken = takeLines(log.subarray(offset), 1 + Math.floor(rnd() * 4), true);
        if (taken.lines.length === 0) break;
        got.push(...taken.lines);
        offset += taken.consumed;
      }
      expect(got).toEqual(whole);
      expect(offset).toBe(log.length);
    }
  });

  it("reads batches from a file and finds where a line starts", async () => {
    const file = path.join(tempDir("ferry-log-"), "output.log");
    writeFileSync(file, awkwardLog());
    const whole = takeLines(awkwardLog(), Infinity, true).lines;
    const got: string[] = [];
    let offset = 0;
    for (;;) {
      const batch = await readLogBatch(file, offset, 3, true);
      got.push(...batch.lines);
      offset += batch.consumed;
      if (batch.drained) break;
    }
    expect(got).toEqual(whole);
    expect(await readLogBatch(file, offset, 3, true)).toEqual({ lines: [], consumed: 0, drained: true });
    // Line n starts where reading n lines from the start ends.
    for (const n of [0, 1, 4, 7, whole.length]) {
      const start = await offsetOfLine(file, n, true);
      expect(start).toBe(takeLines(awkwardLog(), n, true).consumed);
      expect((await readLogBatch(file, start!, 1, true)).lines).toEqual(whole.slice(n, n + 1));
    }
    expect(await offsetOfLine(file, whole.length + 1, true)).toBeNull();
    expect(await readLogBatch(path.join(path.dirname(file), "missing.log"), 0, 3, false)).toEqual({ lines: [], consumed: 0, drained: true });
  });
});
