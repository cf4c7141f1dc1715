import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog } from "@/db/schema";
import { recordAudit } from "./service";

describe(`audit log on ${testDbKind}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.close());

  it("appends entries and refuses UPDATE, DELETE and TRUNCATE at the database level", async () => {
    await recordAudit(t.db, null, { action: "test.thing", subject: { type: "thing", id: "1" }, summary: "a thing happened" });
    const [entry] = await t.db.select().from(auditLog).where(eq(auditLog.action, "test.thing"));
    expect(entry).toMatchObject({ summary: "a thing happened", actorId: null });
    await expect(t.db.update(auditLog).set({ summary: "rewritten" }).where(eq(auditLog.id, entry!.id))).rejects.toThrow();
    await expect(t.db.delete(auditLog).where(eq(auditLog.id, entry!.id))).rejects.toThrow();
    await expect(t.db.execute(sql`truncate audit_log`)).rejects.toThrow();
    const [after] = await t.db.select().from(auditLog).where(eq(auditLog.id, entry!.id));
    expect(after?.summary).toBe("a thing happened");
  });
});
