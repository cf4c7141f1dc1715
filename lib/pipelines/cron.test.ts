import { describe, expect, it } from "vitest";
import { cronProblem, dueTick, nextTick } from "./cron";

describe("pipeline cron schedules", () => {
  it("accepts five-field expressions and explains the rest", () => {
    expect(cronProblem("0 3 * * *")).toBeNull();
    expect(cronProblem(" */30  * * * 1-5 ")).toBeNull();
    expect(cronProblem("every day")).toMatch(/"every day" is not a cron expression: it has 2 fields, a schedule needs 5/);
    expect(cronProblem("0 0 3 * * *")).toMatch(/6 fields/);
    expect(cronProblem("61 * * * *")).toMatch(/"61 \* \* \* \*" is not a cron expression \(.*59.*\)/);
    expect(cronProblem("0 25 * * *")).toMatch(/not a cron expression/);
    expect(cronProblem("")).toMatch(/0 fields/);
  });

  it("finds the next tick in UTC", () => {
    expect(nextTick("0 3 * * *", new Date("2026-11-27T02:59:00Z")).toISOString()).toBe("2026-11-27T03:00:00.000Z");
    expect(nextTick("0 3 * * *", new Date("2026-11-27T03:00:00Z")).toISOString()).toBe("2026-11-28T03:00:00.000Z");
  });

  it("fires once for the latest of many missed ticks, and not before a tick is due", () => {
    const after = new Date("2026-11-20T03:00:00Z");
    expect(dueTick("0 3 * * *", after, new Date("2026-11-21T02:59:59Z"))).toBeNull();
    expect(dueTick("0 3 * * *", after, new Date("2026-11-21T03:00:00Z"))?.toISOString()).toBe("2026-11-21T03:00:00.000Z");
    // Down for a week: one firing, for the latest tick.
    expect(dueTick("0 3 * * *", after, new Date("2026-11-27T10:00:00Z"))?.toISOString()).toBe("2026-11-27T03:00:00.000Z");
    expect(dueTick("*/5 * * * *", new Date("2026-11-27T10:00:00Z"), new Date("2026-11-27T10:17:00Z"))?.toISOString()).toBe("2026-11-27T10:15:00.000Z");
  });
});
