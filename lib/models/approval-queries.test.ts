import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { demoModel, demoProject, seedDemo } from "@/db/seed";
import { projects, promotionRequests, runs, users } from "@/db/schema";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import type { Actor } from "@/lib/auth/authorize";
import { getPromotionRequest, listAwaitingDecision, listMyRequests, listRecentlyDecided } from "./approval-queries";
import { createModelVersion, markDecisionsSeen, rejectPromotion, requestPromotion, requireModel, type ModelRef } from "./service";

describe(`approvals queue reads on ${testDbKind}`, () => {
  let t: TestDatabase;
  let artifacts: string;
  let project: { id: string; slug: string; name: string };
  let model: ModelRef;
  let ds: Actor;
  let ops: Actor;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestDatabase();
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-approvals-"));
    setArtifactRootForTests(artifacts);
    await seedDemo(t.db); // two approved production requests of the demo model, by ds, decided by ops
    const actor = async (email: string): Promise<Actor> => {
      const [u] = await t.db.select().from(users).where(eq(users.email, email));
      return { id: u!.id, email: u!.email, name: u!.name, isAdmin: u!.isAdmin, orgRole: u!.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
    };
    ds = await actor("ds@ferry.dev");
    ops = await actor("ops@ferry.dev");
    [project] = (await t.db.select({ id: projects.id, slug: projects.slug, name: projects.name }).from(projects).where(eq(projects.slug, demoProject.slug))) as [typeof project];
    model = await requireModel(t.db, project, demoModel.name);
    const runRows = await t.db.select({ id: runs.id, name: runs.name }).from(runs).where(eq(runs.projectId, project.id));
    for (const name of ["balanced-lr-0.1", "balanced-l2-strong"]) {
      const run = runRows.find((r) => r.name === name)!;
      await createModelVersion(t.db, ds, model, { source: `runs:/${run.id}/model`, runId: run.id });
    }
    ids.first = (await requestPromotion(t.db, ds, model, { version: 3, environment: "staging", justification: "First in the queue." })).id;
    ids.second = (await requestPromotion(t.db, ds, model, { version: 4, environment: "staging", justification: "Second in the queue." })).id;
    ids.rejected = (await requestPromotion(t.db, ds, model, { version: 3, environment: "production", justification: "Straight to production." })).id;
    await rejectPromotion(t.db, ops, model, ids.rejected, "Staging first, please.");
    // Requested in this order; make the times unambiguous (the test is about order, not the clock).
    const base = Date.now() - 3_600_000;
    for (const [i, key] of ["first", "second", "rejected"].entries()) {
      await t.db.update(promotionRequests).set({ requestedAt: new Date(base + i * 60_000) }).where(eq(promotionRequests.id, ids[key]!));
    }
  });
  afterAll(async () => {
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("lists open requests oldest first, and nothing for no projects", async () => {
    const open = await listAwaitingDecision(t.db, [project.id]);
    expect(open.map((r) => r.id)).toEqual([ids.first, ids.second]);
    expect(open[0]).toMatchObject({ model: demoModel.name, version: 3, environment: "staging", status: "pending", project: { slug: demoProject.slug } });
    expect(open[0]!.gates.length).toBeGreaterThan(0);
    expect(await listAwaitingDecision(t.db, [])).toEqual([]);
  });

  it("lists decisions most recently decided first, the rejection with its reason", async () => {
    const decided = await listRecentlyDecided(t.db, [project.id]);
    expect(decided.map((r) => r.status)).toEqual(["rejected", "approved", "approved"]);
    expect(decided[0]).toMatchObject({ id: ids.rejected, decidedBy: "ops@ferry.dev", decisionReason: "Staging first, please." });
    expect(await listRecentlyDecided(t.db, [project.id], 1)).toHaveLength(1);
  });

  it("lists the requester's own requests newest first and marks unseen decisions until they are seen", async () => {
    const mine = await listMyRequests(t.db, ds.id, [project.id]);
    expect(mine).toHaveLength(5);
    expect(mine[0]!.requestedAt >= mine[1]!.requestedAt).toBe(true);
    expect(mine.find((r) => r.id === ids.rejected)?.decisionSeen).toBe(false);
    expect(await listMyRequests(t.db, ops.id, [project.id])).toEqual([]);
    await markDecisionsSeen(t.db, ds);
    const after = await listMyRequests(t.db, ds.id, [project.id]);
    expect(after.filter((r) => r.status === "approved" || r.status === "rejected").every((r) => r.decisionSeen)).toBe(true);
  });

  it("reads one request only through its own project and model", async () => {
    expect(await getPromotionRequest(t.db, project.id, demoModel.name, ids.first!)).toMatchObject({ id: ids.first, justification: "First in the queue." });
    expect(await getPromotionRequest(t.db, project.id, "some-other-model", ids.first!)).toBeNull();
    expect(await getPromotionRequest(t.db, "00000000-0000-4000-8000-000000000000", demoModel.name, ids.first!)).toBeNull();
  });
});
