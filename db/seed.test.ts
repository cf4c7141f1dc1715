import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { createTestDatabase, testDbKind, type TestDatabase } from "./testing";
import { demoProject, demoUsers, isEmpty, seedDemo } from "./seed";
import { datasetVersions, memberships, projects, users } from "./schema";
import { eq } from "drizzle-orm";
import { signInWithPassword } from "@/lib/auth/service";

describe(`demo seed on ${testDbKind}`, () => {
  let t: TestDatabase;
  let artifacts: string;
  beforeAll(async () => {
    t = await createTestDatabase();
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-seed-artifacts-"));
    setArtifactRootForTests(artifacts);
  });
  afterAll(async () => {
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  it("creates the demo organisation once; running it again changes nothing", async () => {
    expect(await isEmpty(t.db)).toBe(true);
    expect(await seedDemo(t.db)).toEqual({ createdUsers: 5, createdProject: true });
    const tables = ["users", "projects", "memberships", "datasets", "dataset_rules", "dataset_versions", "audit_log"];
    const counts = await t.counts(...tables);
    // audit: the project, the dataset, 6 rules, 2 versions.
    expect(counts).toEqual({ users: 5, projects: 1, memberships: 5, datasets: 1, dataset_rules: 6, dataset_versions: 2, audit_log: 10 });
    expect(await seedDemo(t.db)).toEqual({ createdUsers: 0, createdProject: false });
    expect(await t.counts(...tables)).toEqual(counts);
  });

  it("gives every demo user the documented role and persona and the demo password", async () => {
    const [project] = await t.db.select().from(projects).where(eq(projects.slug, demoProject.slug));
    expect(project?.name).toBe("Churn prediction");
    for (const d of demoUsers) {
      const [u] = await t.db.select().from(users).where(eq(users.email, d.email));
      expect(u).toMatchObject({ isAdmin: d.isAdmin, orgRole: d.orgRole, active: true });
      const [m] = await t.db.select().from(memberships).where(eq(memberships.userId, u!.id));
      expect(m?.persona).toBe(d.persona);
      expect((await signInWithPassword(t.db, { email: d.email, password: "ferry-demo", ip: "127.0.0.1" })).ok).toBe(true);
    }
    // The demo dataset went through the real pipeline: profiled, sampled, validated; v2 drifted.
    const versions = await t.db.select().from(datasetVersions).orderBy(datasetVersions.version);
    expect(versions.map((v) => [v.version, v.rowCount, v.validationStatus])).toEqual([
      [1, 2000, "pass"],
      [2, 2000, "fail"],
    ]);
    expect(versions[1]!.validation.filter((r) => r.status !== "pass").map((r) => r.kind).sort()).toEqual(["allowed_values", "numeric_range", "schema_unchanged"]);
    expect(fs.readdirSync(artifacts, { recursive: true }).filter((f) => String(f).endsWith(".csv"))).toHaveLength(2);
    const ops = demoUsers.find((u) => u.email === "ops@ferry.dev");
    expect(ops).toMatchObject({ orgRole: "ops", persona: "ops" });
  });
});
