import "server-only";
import { pokePipelines } from "@/lib/pipelines/events";
import http from "node:http";
import https from "node:https";
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { alertDeliveries, modelGateRules, modelMonitoringConfigs, monitoringAlerts } from "@/db/schema";
import { NotFoundError, SafeError } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor } from "@/lib/auth/authorize";
import { env } from "@/lib/env";
import type { ModelRef } from "@/lib/models/service";
import type { DatasetDrift } from "./drift";
import type { IngestAuth } from "@/lib/auth/ingest";
import { getPerformanceBetween } from "./queries";
import { attachLabels, ingestBatch, type IngestResult } from "./service";
import { WebhookTargetError, checkWebhookTarget, guardedLookup, parseAllowList } from "./webhook";

// Alerts (issue 7): a drifted batch opens (or refreshes) the model's drift alert and a batch within
// the thresholds resolves it; labelled performance of the last 24 hours below a gate minimum opens
// the performance alert. Open → acknowledged → resolved, one unresolved alert per model and kind
// (a partial unique index). Opening and resolving are POSTed to the model's webhook, if any.

type AlertKind = "drift" | "performance";
/** Labelled predictions in the last 24 hours needed before performance can open or resolve an alert. */
export const MIN_LABELLED = 200;
type Who = Pick<Actor, "id" | "email">;
let allowOverride: string[] | null = null;
/** Tests allow-list their local receiver. */
export function setWebhookAllowForTests(hosts: string[] | null): void {
  allowOverride = hosts;
}
const allowList = () => allowOverride ?? parseAllowList(env.FERRY_WEBHOOK_ALLOW);

async function openOrRefresh(db: Db, model: ModelRef, kind: AlertKind, summary: string, detail: Record<string, unknown>, at: Date): Promise<{ id: string; opened: boolean }> {
  const [existing] = await db
    .select({ id: monitoringAlerts.id })
    .from(monitoringAlerts)
    .where(and(eq(monitoringAlerts.modelId, model.id), eq(monitoringAlerts.kind, kind), ne(monitoringAlerts.status, "resolved")));
  if (existing) {
    // Still unresolved when updated (someone may resolve it meanwhile: then a new alert opens below).
    const [refreshed] = await db
      .update(monitoringAlerts)
      .set({ lastSeenAt: at, occurrences: sql`${monitoringAlerts.occurrences} + 1`, detail, summary })
      .where(and(eq(monitoringAlerts.id, existing.id), ne(monitoringAlerts.status, "resolved")))
      .returning({ id: monitoringAlerts.id });
    if (refreshed) return { id: refreshed.id, opened: false };
  }
  const [row] = await db
    .insert(monitoringAlerts)
    .values({ projectId: model.projectId, modelId: model.id, kind, summary, detail, openedAt: at, lastSeenAt: at })
    .onConflictDoNothing()
    .returning({ id: monitoringAlerts.id });
  // Opened by a concurrent batch meanwhile: that one notified.
  if (!row) return { id: "", opened: false };
  await recordAudit(db, null, { action: `alert.open`, subject: { type: "alert", id: row.id }, projectId: model.projectId, summary: `${kind} alert opened for ${model.name}: ${summary}`, after: detail });
  return { id: row.id, opened: true };
}

async function autoResolve(db: Db, model: ModelRef, kind: AlertKind, why: string, at: Date): Promise<string | null> {
  const [row] = await db
    .update(monitoringAlerts)
    .set({ status: "resolved", resolvedAt: at, resolution: why })
    .where(and(eq(monitoringAlerts.modelId, model.id), eq(monitoringAlerts.kind, kind), ne(monitoringAlerts.status, "resolved")))
    .returning({ id: monitoringAlerts.id });
  if (!row) return null;
  await recordAudit(db, null, { action: "alert.resolve", subject: { type: "alert", id: row.id }, projectId: model.projectId, summary: `${kind} alert of ${model.name} resolved: ${why}` });
  return row.id;
}

/** After a batch: drifted → the drift alert is opened or refreshed; not drifted → it resolves. */
export async function evaluateDriftAlert(db: Db, model: ModelRef, batchId: string, drift: DatasetDrift, at = new Date()): Promise<void> {
  const drifted = [...drift.features, ...(drift.prediction ? [drift.prediction] : [])].filter((f) => f.drifted).map((f) => f.name);
  // A batch that tested no feature (none of the reference's features sent) says nothing either way.
  const testedFeatures = drift.features.filter((f) => f.score !== null || f.pValue !== null).length;
  if (testedFeatures === 0) return;
  if (drift.drifted) {
    const summary = `Batch ${batchId}: ${drift.driftedColumns} of ${drift.testedColumns} columns drifted (share ${drift.driftShare.toFixed(2)} ≥ ${drift.threshold})`;
    const { id, opened } = await openOrRefresh(db, model, "drift", summary, { batchId, driftShare: drift.driftShare, drifted }, at);
    if (opened) {
      notify(db, model, id, "alert.opened");
      pokePipelines();
    }
  } else {
    const id = await autoResolve(db, model, "drift", `batch ${batchId} is within the drift thresholds (share ${drift.driftShare.toFixed(2)})`, at);
    if (id) notify(db, model, id, "alert.resolved");
  }
}

/** After labels: the last 24 hours' labelled performance against the model's gate minimums. */
export async function evaluatePerformanceAlert(db: Db, model: ModelRef, now = new Date()): Promise<void> {
  const minimums = await db
    .select({ metric: modelGateRules.metric, min: modelGateRules.minValue })
    .from(modelGateRules)
    .where(and(eq(modelGateRules.modelId, model.id), inArray(modelGateRules.metric, ["accuracy", "precision", "recall", "f1"])));
  const rules = minimums.filter((m): m is { metric: "accuracy" | "precision" | "recall" | "f1"; min: number } => m.min !== null);
  if (!rules.length) return;
  const [window] = await aggregate(db, model.id, now);
  // Too few labels say more about chance than about the model: no alert opens or resolves on them.
  if (!window || window.labelled < MIN_LABELLED) return;
  const below = rules.filter((r) => window[r.metric] !== null && window[r.metric]! < r.min);
  if (below.length) {
    const summary = below.map((r) => `${r.metric} ${window[r.metric]!.toFixed(3)} < ${r.min}`).join(", ") + ` over the last 24 h (${window.labelled} labelled)`;
    const { id, opened } = await openOrRefresh(db, model, "performance", summary, { ...window, below: below.map((r) => r.metric) }, now);
    if (opened) notify(db, model, id, "alert.opened");
  } else {
    const id = await autoResolve(db, model, "performance", `the last 24 h are back above the minimums (${window.labelled} labelled)`, now);
    if (id) notify(db, model, id, "alert.resolved");
  }
}

/** Metrics pooled over exactly the last 24 hours (one confusion-count query, not day windows). */
async function aggregate(db: Db, modelId: string, now: Date) {
  const m = await getPerformanceBetween(db, modelId, new Date(now.getTime() - 86_400_000), now);
  return [m.labelled ? m : null];
}

export async function setAlertStatus(db: Db, actor: Who, model: ModelRef, alertId: string, status: "acknowledged" | "resolved", note?: string): Promise<void> {
  await db.transaction(async (tx) => {
    const [alert] = await tx
      .select({ id: monitoringAlerts.id, status: monitoringAlerts.status, kind: monitoringAlerts.kind })
      .from(monitoringAlerts)
      .where(and(eq(monitoringAlerts.id, alertId), eq(monitoringAlerts.modelId, model.id)))
      .for("update");
    if (!alert) throw new NotFoundError(`Model ${model.name} has no such alert.`);
    if (alert.status === "resolved") throw new SafeError("This alert is resolved already.", 409);
    if (status === "acknowledged" && alert.status === "acknowledged") throw new SafeError("This alert is acknowledged already.", 409);
    await tx
      .update(monitoringAlerts)
      .set(
        status === "acknowledged"
          ? { status, acknowledgedAt: new Date(), acknowledgedBy: actor.id }
          : { status, resolvedAt: new Date(), resolvedBy: actor.id, resolution: note ?? "resolved by hand" },
      )
      .where(eq(monitoringAlerts.id, alertId));
    await recordAudit(tx, actor, {
      action: `alert.${status === "acknowledged" ? "acknowledge" : "resolve"}`,
      subject: { type: "alert", id: alertId },
      projectId: model.projectId,
      summary: `${actor.email} ${status} the ${alert.kind} alert of ${model.name}${note ? `: ${note}` : ""}`,
    });
  });
  if (status === "resolved") notify(db, model, alertId, "alert.resolved");
}

export async function listAlerts(db: Db, modelId: string, limit = 50) {
  return db.select().from(monitoringAlerts).where(eq(monitoringAlerts.modelId, modelId)).orderBy(desc(monitoringAlerts.openedAt)).limit(limit);
}

/** Sets or clears the model's webhook after checking its target (SSRF rules in ./webhook.ts). */
export async function setWebhook(db: Db, actor: Who, model: ModelRef, url: string | null): Promise<void> {
  if (url !== null) {
    try {
      await checkWebhookTarget(url, allowList());
    } catch (e) {
      if (e instanceof WebhookTargetError) throw new SafeError(e.message, 400, "url");
      throw e;
    }
  }
  await db.transaction(async (tx) => {
    await tx
      .insert(modelMonitoringConfigs)
      .values({ modelId: model.id, webhookUrl: url, updatedBy: actor.id })
      .onConflictDoUpdate({ target: modelMonitoringConfigs.modelId, set: { webhookUrl: url, updatedBy: actor.id, updatedAt: new Date() } });
    await recordAudit(tx, actor, {
      action: "model.webhook.update",
      subject: { type: "model", id: model.id },
      projectId: model.projectId,
      summary: url ? `${actor.email} set the alert webhook of ${model.name} to ${new URL(url).host}` : `${actor.email} removed the alert webhook of ${model.name}`,
    });
  });
}

/** A batch, then its alert: what the ingest route and the demo seed call. */
export async function ingestWithAlerts(db: Db, auth: IngestAuth, body: unknown, now = new Date()): Promise<IngestResult> {
  const result = await ingestBatch(db, auth, body, now);
  if (!result.duplicate && result.driftResult) await evaluateDriftAlert(db, modelOf(auth), result.batchId, result.driftResult, now);
  // Labels may come with the predictions themselves.
  if (!result.duplicate && result.labelled > 0) await evaluatePerformanceAlert(db, modelOf(auth), now);
  return result;
}

/** Labels, then the performance alert. */
export async function labelWithAlerts(db: Db, auth: IngestAuth, body: unknown, now = new Date()): Promise<{ updated: number }> {
  const result = await attachLabels(db, auth, body, now);
  await evaluatePerformanceAlert(db, modelOf(auth), now);
  return result;
}

const modelOf = (auth: IngestAuth): ModelRef => ({ id: auth.modelId, projectId: auth.projectId, name: auth.modelName });

// ---- delivery ---------------------------------------------------------------------------------

const pending = new Set<Promise<void>>();
export const retryDelaysMs = [1000, 4000, 16_000];
let delays = retryDelaysMs;
/** Tests shorten the backoff. */
export function setRetryDelaysForTests(d: number[] | null): void {
  delays = d ?? retryDelaysMs;
}

/** Waits for every delivery in flight (tests, and a graceful shutdown). */
export async function settleDeliveries(): Promise<void> {
  while (pending.size) await Promise.allSettled([...pending]);
}

function notify(db: Db, model: ModelRef, alertId: string, event: "alert.opened" | "alert.resolved"): void {
  if (!alertId) return;
  const p = deliver(db, model, alertId, event).catch((e) => console.error("[ferry] webhook delivery failed:", e));
  pending.add(p);
  void p.finally(() => pending.delete(p));
}

/** POSTs the alert as JSON, retrying with backoff on network errors and 5xx/429; every attempt is recorded. */
async function deliver(db: Db, model: ModelRef, alertId: string, event: string): Promise<void> {
  const [config] = await db.select({ url: modelMonitoringConfigs.webhookUrl }).from(modelMonitoringConfigs).where(eq(modelMonitoringConfigs.modelId, model.id));
  if (!config?.url) return;
  const [alert] = await db.select().from(monitoringAlerts).where(eq(monitoringAlerts.id, alertId));
  if (!alert) return;
  const body = JSON.stringify({
    event,
    model: model.name,
    alert: { id: alert.id, kind: alert.kind, status: alert.status, summary: alert.summary, openedAt: alert.openedAt, resolvedAt: alert.resolvedAt, detail: alert.detail },
  });
  for (let attempt = 1; attempt <= delays.length + 1; attempt++) {
    let status: number | null = null;
    let error: string | null = null;
    try {
      // Checked again at each attempt: DNS may have changed since the URL was saved.
      const url = await checkWebhookTarget(config.url, allowList());
      status = await postJson(url, body, allowList());
    } catch (e) {
      error = e instanceof WebhookTargetError ? e.message : "could not connect";
    }
    await db.insert(alertDeliveries).values({ alertId, event, url: config.url, attempt, status, error });
    const retryable = error !== null ? !error.includes("resolves to") : status === 429 || (status !== null && status >= 500);
    if (!retryable || attempt > delays.length) return;
    await new Promise((r) => setTimeout(r, delays[attempt - 1]));
  }
}

/**
 * POSTs JSON without following redirects; the connection's own DNS lookup refuses non-public
 * addresses (guardedLookup), so the target cannot rebind between the check and the request.
 */
function postJson(url: URL, body: string, allow: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? https : http).request(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), "user-agent": "Ferry-alerts/1" },
        lookup: guardedLookup(allow) as never,
        timeout: 10_000,
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    request.on("timeout", () => request.destroy(new Error("timeout")));
    request.on("error", reject);
    request.end(body);
  });
}
