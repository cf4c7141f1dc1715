import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { auditLog, runInputs, runJobs, runParams, runs } from "@/db/schema";
import { as, call, request } from "@/lib/actions/testing";
import { resolveActor } from "@/lib/auth/authorize";
import { addCluster } from "@/lib/clusters/testing";
import { createDataset, registerReference } from "@/lib/datasets/service";
import { datasetVersionValue, paramKeyField, paramValueField } from "./launch-form-fields";

// The session cookie and Next's request cache cannot exist outside a Next.js request: replaced.
vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { cancelRunAction, launchRunAction } = await import("./actions");

const TABLES = ["runs", "run_jobs", "run_params", "run_inputs", "run_tags", "audit_log"];

describe(`launch and cancel actions on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let slug: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
    slug = org.project.slug;
    const admin = await resolveActor(t.db, org.users.admin.claims);
    await addCluster(t.db, admin, "gpu-a", [{ type: "h100", count: 8 }]);
    await addCluster(t.db, admin, "gpu-b", [{ type: "a100", count: 4 }]);
    await createDataset(t.db, admin, org.project, { name: "customers", description: "" });
    await registerReference(t.db, admin, org.project, "customers", { uri: "s3://bucket/customers.csv", sha256: "a".repeat(64), rowCount: 10 });
  });
  afterAll(() => t?.close());
  beforeEach(() => as(org.users.dataScientist.claims));

  /** The launch form's fields, as the browser sends them. */
  const launchForm = (extra: Record<string, string> = {}) => ({
    projectSlug: slug,
    name: "",
    datasetVersion: "",
    codeKind: "none",
    command: "python train.py --epochs {epochs} --lr {lr}",
    [paramKeyField(0)]: "epochs",
    [paramValueField(0)]: "30",
    [paramKeyField(1)]: "lr",
    [paramValueField(1)]: "0.1",
    [paramKeyField(2)]: "",
    [paramValueField(2)]: "",
    gpuCount: "2",
    gpuType: "h100",
    cluster: "any",
    priority: "0",
    ...extra,
  });

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  const runIdOf = (redirect: string | undefined) => {
    const m = /^\/projects\/[^/]+\/runs\/([0-9a-f]{32})$/.exec(redirect ?? "");
    if (!m) throw new Error(`no run page in redirect: ${redirect}`);
    return m[1]!;
  };

  it("launches a queued run with its params, code, dataset input and cluster, and redirects to its page", async () => {
    const res = await call(
      launchRunAction,
      launchForm({
        name: "from-the-form",
        datasetVersion: datasetVersionValue("customers", 1),
        codeKind: "git",
        codeRepo: "https://github.com/acme/churn.git",
        codeCommit: "ABCDEF1",
        cluster: "gpu-a",
        priority: "5",
      }),
    );
    const id = runIdOf(res.redirect);
    const [run] = await t.db.select().from(runs).where(eq(runs.id, id));
    expect(run).toMatchObject({ name: "from-the-form", status: "SCHEDULED", projectId: org.project.id, userId: org.users.dataScientist.id });
    const [job] = await t.db.select().from(runJobs).where(eq(runJobs.runId, id));
    expect(job).toMatchObject({
      status: "queued",
      gpuCount: 2,
      gpuType: "h100",
      priority: 5,
      command: "python train.py --epochs {epochs} --lr {lr}",
      params: { epochs: "30", lr: "0.1" },
      codeRepo: "https://github.com/acme/churn.git",
      codeCommit: "abcdef1",
      codeImage: null,
      createdBy: org.users.dataScientist.id,
    });
    expect(job!.requestedClusterId).not.toBeNull();
    expect(job!.datasetVersionId).not.toBeNull();
    const params = await t.db.select({ key: runParams.key, value: runParams.value }).from(runParams).where(eq(runParams.runId, id));
    expect(params.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
      { key: "epochs", value: "30" },
      { key: "lr", value: "0.1" },
    ]);
    expect(await t.db.select({ name: runInputs.name }).from(runInputs).where(eq(runInputs.runId, id))).toEqual([{ name: "customers" }]);
    const audit = await t.db.select().from(auditLog).where(eq(auditLog.subjectId, id));
    expect(audit.map((a) => a.action)).toContain("run.launch");
  });

  it("launches a CPU-only run on any cluster with no code, no dataset and default priority", async () => {
    const res = await call(launchRunAction, launchForm({ gpuCount: "0", gpuType: "h100", priority: "" }));
    const [job] = await t.db.select().from(runJobs).where(eq(runJobs.runId, runIdOf(res.redirect)));
    expect(job).toMatchObject({ status: "queued", gpuCount: 0, gpuType: null, requestedClusterId: null, priority: 0, codeRepo: null, datasetVersionId: null });
  });

  it("cancels a queued run at once; a second cancel says it has ended", async () => {
    const id = runIdOf((await call(launchRunAction, launchForm())).redirect);
    const res = await call(cancelRunAction, { projectSlug: slug, runId: id });
    expect(res).toMatchObject({ status: "success", data: { status: "cancelled" }, message: "Run cancelled." });
    const [job] = await t.db.select().from(runJobs).where(eq(runJobs.runId, id));
    expect(job).toMatchObject({ status: "cancelled", cancelledBy: org.users.dataScientist.id });
    expect((await t.db.select({ status: runs.status }).from(runs).where(eq(runs.id, id)))[0]).toEqual({ status: "KILLED" });
    expect(await call(cancelRunAction, { projectSlug: slug, runId: id })).toMatchObject({ status: "error", message: "This run has already ended (cancelled)." });
  });

  it("an ML engineer and an admin may launch too", async () => {
    for (const who of ["mlEngineer", "admin"] as const) {
      as(org.users[who].claims);
      const res = await call(launchRunAction, launchForm({ gpuCount: "1", gpuType: "a100" }));
      expect(res.redirect).toMatch(/\/runs\/[0-9a-f]{32}$/);
    }
  });

  for (const who of ["manager", "ops", "orgOpsOutsider", "outsider"] as const) {
    it(`refuses ${who}: launching and cancelling write nothing`, async () => {
      as(org.users.dataScientist.claims);
      const id = runIdOf((await call(launchRunAction, launchForm())).redirect);
      as(org.users[who].claims);
      await expectNothingWritten(async () => {
        const launch = await call(launchRunAction, launchForm());
        expect(launch.status).toBe("error");
        const cancel = await call(cancelRunAction, { projectSlug: slug, runId: id });
        expect(cancel.status).toBe("error");
        const message = who === "manager" || who === "ops" ? /not allowed to launch, cancel and re-run training runs/ : /do not have access to this project/;
        expect(launch.status === "error" && launch.message).toMatch(message);
        expect(cancel.status === "error" && cancel.message).toMatch(message);
      });
      const [job] = await t.db.select({ status: runJobs.status }).from(runJobs).where(eq(runJobs.runId, id));
      expect(job).toEqual({ status: "queued" });
    });
  }

  const bad: [string, Record<string, string>, string, RegExp][] = [
    ["an empty command", { command: "   " }, "command", /Enter the command to run/],
    ["an unknown dataset version", { datasetVersion: datasetVersionValue("customers", 9) }, "datasetVersion", /customers v9 does not exist/],
    ["an unknown dataset", { datasetVersion: datasetVersionValue("nope", 1) }, "datasetVersion", /nope v1 does not exist/],
    ["a garbled dataset version", { datasetVersion: "customers" }, "datasetVersion", /Choose a dataset version/],
    ["more GPUs than any cluster has", { gpuCount: "16", gpuType: "" }, "gpus", /No registered cluster has 16 GPUs of one type: the most on one cluster is 8 × H100 \(gpu-a\)/],
    ["a GPU type no cluster has", { gpuCount: "1", gpuType: "v100" }, "gpus", /No registered cluster has V100 GPUs/],
    ["more GPUs than the chosen cluster has", { gpuCount: "6", gpuType: "", cluster: "gpu-b" }, "gpus", /gpu-b" cannot run 6 GPUs of one type: it has 4 × A100/],
    ["an unknown cluster", { cluster: "nowhere" }, "cluster", /No cluster is named "nowhere"/],
    ["a fractional GPU count", { gpuCount: "1.5" }, "gpuCount", /whole number/],
    ["a negative GPU count", { gpuCount: "-1" }, "gpuCount", /cannot be negative/],
    ["a malformed GPU type", { gpuType: "H 100!" }, "gpuType", /GPU type/],
    ["a git repo without a commit", { codeKind: "git", codeRepo: "https://github.com/acme/x.git", codeCommit: "" }, "codeCommit", /commit hash/],
    ["a git repo that is not a URL", { codeKind: "git", codeRepo: "acme/x", codeCommit: "abcdef1" }, "codeRepo", /git repository URL/],
    ["a malformed image", { codeKind: "image", codeImage: "Not An Image" }, "codeImage", /container image reference/],
    ["an out-of-range priority", { priority: "500" }, "priority", /between -100 and 100/],
    ["a non-numeric priority", { priority: "high" }, "priority", /whole number between -100 and 100/],
    ["a parameter value without a name", { [paramKeyField(2)]: " ", [paramValueField(2)]: "x" }, "params", /Parameter 3 has a value but no name/],
    ["a parameter listed twice", { [paramKeyField(2)]: "lr", [paramValueField(2)]: "0.5" }, "params", /"lr" is listed twice/],
    ["a malformed parameter name", { [paramKeyField(2)]: "a*b", [paramValueField(2)]: "1" }, "params", /Parameter names: letters/],
  ];
  for (const [what, fields, field, message] of bad) {
    it(`rejects ${what} with a message on "${field}" and writes nothing`, async () => {
      await expectNothingWritten(async () => {
        const res = await call(launchRunAction, launchForm(fields));
        expect(res.status).toBe("error");
        if (res.status !== "error") return;
        expect(res.fieldErrors?.[field]?.join(" ")).toMatch(message);
        // The form is refilled with what was typed.
        expect(res.values?.command).toBe(launchForm(fields).command);
      });
    });
  }

  it("reports every field problem at once", async () => {
    const res = await call(launchRunAction, launchForm({ command: "", gpuCount: "x", priority: "1000" }));
    expect(res.status === "error" && Object.keys(res.fieldErrors ?? {}).sort()).toEqual(["command", "gpuCount", "priority"]);
  });

  it("refuses a container image on a local-only choice with a message on the code", async () => {
    const admin = await resolveActor(t.db, org.users.admin.claims);
    await addCluster(t.db, admin, "workstation", [], "local");
    await expectNothingWritten(async () => {
      const res = await call(launchRunAction, launchForm({ gpuCount: "0", cluster: "workstation", codeKind: "image", codeImage: "ghcr.io/acme/train:1.4" }));
      expect(res.status === "error" && res.fieldErrors?.code?.join(" ")).toMatch(/cannot run a container image/);
    });
  });

  it("cancelling a run that does not exist in the project says so and writes nothing", async () => {
    await expectNothingWritten(async () => {
      const res = await call(cancelRunAction, { projectSlug: slug, runId: "f".repeat(32) });
      expect(res).toMatchObject({ status: "error", message: expect.stringMatching(/Only runs launched through Ferry/) });
    });
  });
});
