// The monitoring page's alert actions (acknowledge, resolve) and the settings page's webhook form,
// called as the browser calls them: the real action client, authorize(), zod and services on a test
// database. Replaced: the session cookie and Next's request cache (lib/actions/testing-mocks.ts).
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { auditLog, modelMonitoringConfigs, monitoringAlerts, registeredModels } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { as, call, request } from "@/lib/actions/testing";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());

const { acknowledgeAlertAction, resolveAlertAction, setWebhookAction } = await import("./actions");
const { settleDeliveries } = await import("./alerts");

const TABLES = ["monitoring_alerts", "model_monitoring_configs", "audit_log"];

describe(`alert and webhook actions on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let model: { id: string; name: string };
  let otherModelId: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    request.db = t.db;
    org = await createFixtureOrg(t.db);
    const [m] = await t.db.insert(registeredModels).values({ projectId: org.project.id, name: "churn" }).returning({ id: registeredModels.id, name: registeredModels.name });
    model = m!;
    const [other] = await t.db.insert(registeredModels).values({ projectId: org.project.id, name: "fraud" }).returning({ id: registeredModels.id });
    otherModelId = other!.id;
  });
  afterAll(async () => {
    await settleDeliveries();
    await t?.close();
  });
  beforeEach(() => as(org.users.mlEngineer.claims));

  const fields = (alertId: string, extra: Record<string, string> = {}) => ({ projectSlug: org.project.slug, modelName: model.name, alertId, ...extra });
  const alertRow = async (id: string) => (await t.db.select().from(monitoringAlerts).where(eq(monitoringAlerts.id, id)))[0]!;
  const webhookOf = async () => (await t.db.select({ url: modelMonitoringConfigs.webhookUrl }).from(modelMonitoringConfigs).where(eq(modelMonitoringConfigs.modelId, model.id)))[0]?.url ?? null;

  async function openAlert(kind: "drift" | "performance" = "drift", modelId = model.id): Promise<string> {
    const [row] = await t.db
      .insert(monitoringAlerts)
      .values({ projectId: org.project.id, modelId, kind, summary: "Batch b-1: 3 of 5 columns drifted (share 0.60 ≥ 0.5)", detail: {} })
      .returning({ id: monitoringAlerts.id });
    return row!.id;
  }

  async function expectNothingWritten(fn: () => Promise<unknown>) {
    const before = await t.counts(...TABLES);
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
  }

  it("an ML engineer acknowledges an alert, then resolves it with a note; both audited", async () => {
    const id = await openAlert();
    expect(await call(acknowledgeAlertAction, fields(id))).toMatchObject({ status: "success", message: "Alert acknowledged." });
    expect(await alertRow(id)).toMatchObject({ status: "acknowledged", acknowledgedBy: org.users.mlEngineer.id, resolvedAt: null });

    expect(await call(acknowledgeAlertAction, fields(id))).toMatchObject({ status: "error", message: "This alert is acknowledged already." });

    as(org.users.ops.claims);
    expect(await call(resolveAlertAction, fields(id, { note: "  fee change rolled back  " }))).toMatchObject({ status: "success", message: "Alert resolved." });
    const resolved = await alertRow(id);
    expect(resolved).toMatchObject({ status: "resolved", resolvedBy: org.users.ops.id, resolution: "fee change rolled back" });
    expect(resolved.resolvedAt).toBeInstanceOf(Date);

    const audit = await t.db.select({ action: auditLog.action, summary: auditLog.summary }).from(auditLog).where(eq(auditLog.subjectId, id));
    expect(audit.map((a) => a.action).sort()).toEqual(["alert.acknowledge", "alert.resolve"]);
    expect(audit.find((a) => a.action === "alert.resolve")!.summary).toContain("fee change rolled back");
  });

  it("resolves an open alert directly; an empty note stores the default resolution", async () => {
    const id = await openAlert("performance");
    expect(await call(resolveAlertAction, fields(id, { note: "" }))).toMatchObject({ status: "success" });
    expect(await alertRow(id)).toMatchObject({ status: "resolved", resolution: "resolved by hand", acknowledgedAt: null });
  });

  it("refuses to resolve a resolved alert, with a clear message, and changes nothing", async () => {
    const id = await openAlert();
    expect(await call(resolveAlertAction, fields(id, { note: "first" }))).toMatchObject({ status: "success" });
    const before = await alertRow(id);
    await expectNothingWritten(async () => {
      expect(await call(resolveAlertAction, fields(id, { note: "second" }))).toMatchObject({ status: "error", message: "This alert is resolved already." });
      expect(await call(acknowledgeAlertAction, fields(id))).toMatchObject({ status: "error", message: "This alert is resolved already." });
    });
    expect(await alertRow(id)).toEqual(before);
  });

  it("refuses a manager (projects.read only), a data scientist and an outsider; nothing changes", async () => {
    const id = await openAlert();
    const before = await alertRow(id);
    for (const who of ["manager", "dataScientist", "outsider"] as const) {
      as(org.users[who].claims);
      await expectNothingWritten(async () => {
        const ack = await call(acknowledgeAlertAction, fields(id));
        const res = await call(resolveAlertAction, fields(id, { note: "not mine to close" }));
        const hook = await call(setWebhookAction, { projectSlug: org.project.slug, modelName: model.name, url: "https://93.184.216.34/hook" });
        for (const r of [ack, res, hook]) {
          expect(r.status).toBe("error");
          expect(r).not.toHaveProperty("fieldErrors");
          // Members learn which permission they lack; an outsider gets the same answer as for no such project.
          if (who !== "outsider") expect((r as { message?: string }).message).toMatch(/are not allowed to edit validation gates and monitoring thresholds/);
        }
      });
    }
    expect(await alertRow(id)).toEqual(before);
    expect(await webhookOf()).toBeNull();
    as(org.users.mlEngineer.claims);
    await call(resolveAlertAction, fields(id));
  });

  it("another model's alert is not found through this model, and a bad id or a long note is a field error", async () => {
    const foreign = await openAlert("drift", otherModelId);
    await expectNothingWritten(async () => {
      expect(await call(acknowledgeAlertAction, fields(foreign))).toMatchObject({ status: "error", message: `Model ${model.name} has no such alert.` });
      expect(await call(acknowledgeAlertAction, fields("not-a-uuid"))).toMatchObject({ status: "error", fieldErrors: { alertId: ["Unknown alert."] } });
      expect(await call(resolveAlertAction, fields(foreign, { note: "x".repeat(2001) }))).toMatchObject({ status: "error", fieldErrors: { note: ["Keep the note under 2,000 characters."] } });
    });
    expect(await alertRow(foreign)).toMatchObject({ status: "open" });
  });

  it("setWebhookAction: a loopback target is a field error on url; a public one is saved; an empty URL clears it", async () => {
    const hook = (url: string) => call(setWebhookAction, { projectSlug: org.project.slug, modelName: model.name, url });
    await expectNothingWritten(async () => {
      const refused = await hook("http://127.0.0.1/x");
      expect(refused.status).toBe("error");
      const errors = (refused as { fieldErrors?: Record<string, string[]> }).fieldErrors;
      expect(errors?.url?.[0]).toMatch(/127\.0\.0\.1.*private, loopback or link-local/);
      expect(await hook("ftp://hooks.example.com/x")).toMatchObject({ status: "error", fieldErrors: { url: [expect.stringMatching(/http\(s\) URL/)] } });
    });
    expect(await webhookOf()).toBeNull();

    expect(await hook(" https://93.184.216.34/hooks/ferry?key=s3cret ")).toMatchObject({ status: "success", message: `Saved. Alerts of ${model.name} are now POSTed to 93.184.216.34.` });
    expect(await webhookOf()).toBe("https://93.184.216.34/hooks/ferry?key=s3cret");

    expect(await hook("")).toMatchObject({ status: "success" });
    expect(await webhookOf()).toBeNull();
    const audit = await t.db
      .select({ summary: auditLog.summary })
      .from(auditLog)
      .where(and(eq(auditLog.subjectId, model.id), eq(auditLog.action, "model.webhook.update")));
    expect(audit).toHaveLength(2);
    // The secret in the query stays out of the audit log.
    expect(JSON.stringify(audit)).not.toContain("s3cret");
  });
});
