import { readFile } from "node:fs/promises";
import { and, count, eq } from "drizzle-orm";
import type { Actor } from "@/lib/auth/authorize";
import type { IngestAuth } from "@/lib/auth/ingest";
import { hashPassword } from "@/lib/auth/password";
import { mulberry32 } from "@/lib/datasets/sample";
import { addRule, createDataset, registerUpload } from "@/lib/datasets/service";
import { labelsKnown, parseSavedModel, trafficBatches } from "@/lib/examples/traffic";
import { trainAndLog, type TrainOptions } from "@/lib/examples/train";
import { getCurrentDeployment } from "@/lib/models/facts";
import { ingestWithAlerts, labelWithAlerts } from "@/lib/monitoring/alerts";
import { createIngestToken } from "@/lib/monitoring/service";
import { confinedPath } from "@/lib/tracking/artifact-files";
import { datasetVersionUri } from "@/lib/tracking/service";
import { ServiceSink } from "@/lib/tracking/service-sink";
import type { Db } from "./client";
import { demoSubscribersCsv } from "./demo-data";
import { approvePromotion, createModelVersion, createRegisteredModel, markDecisionsSeen, requestPromotion, setGateRules } from "@/lib/models/service";
import { savePipeline } from "@/lib/pipelines/service";
import { pipelineInputSchema } from "@/lib/pipelines/schemas";
import { auditLog, datasets, memberships, pipelines, predictionBatches, projects, registeredModels, runs, users } from "./schema";

export const DEMO_PASSWORD = "ferry-demo";

type Persona = (typeof memberships.$inferInsert)["persona"];

export const demoUsers: { email: string; name: string; isAdmin: boolean; orgRole: "member" | "ops"; persona: Persona }[] = [
  { email: "admin@ferry.dev", name: "Ada Admin", isAdmin: true, orgRole: "member", persona: "ml_engineer" },
  { email: "ds@ferry.dev", name: "Dana Scientist", isAdmin: false, orgRole: "member", persona: "data_scientist" },
  { email: "mle@ferry.dev", name: "Milo Engineer", isAdmin: false, orgRole: "member", persona: "ml_engineer" },
  { email: "ops@ferry.dev", name: "Olga Ops", isAdmin: false, orgRole: "ops", persona: "ops" },
  { email: "manager@ferry.dev", name: "Max Manager", isAdmin: false, orgRole: "member", persona: "manager" },
];

export const demoProject = {
  slug: "churn-prediction",
  name: "Churn prediction",
  description: "Predict which subscribers cancel within 30 days, from usage and billing features.",
};

export async function isEmpty(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(users);
  return (row?.n ?? 0) === 0;
}

/** Creates whatever part of the demo organisation is missing; running it again changes nothing. */
export async function seedDemo(db: Db): Promise<{ createdUsers: number; createdProject: boolean }> {
  const result = await seedPeopleAndProject(db);
  await seedDemoDataset(db);
  await seedDemoRuns(db);
  await seedDemoModel(db);
  await seedDemoTraffic(db);
  await seedDemoPipeline(db);
  return result;
}

async function seedPeopleAndProject(db: Db): Promise<{ createdUsers: number; createdProject: boolean }> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  return db.transaction(async (tx) => {
    let createdUsers = 0;
    const ids = new Map<string, string>();
    for (const u of demoUsers) {
      const inserted = await tx
        .insert(users)
        .values({ email: u.email, name: u.name, passwordHash, isAdmin: u.isAdmin, orgRole: u.orgRole })
        .onConflictDoNothing()
        .returning({ id: users.id });
      if (inserted[0]) createdUsers++;
      const [row] = await tx.select({ id: users.id }).from(users).where(eq(users.email, u.email));
      if (row) ids.set(u.email, row.id);
    }
    const adminId = ids.get("admin@ferry.dev") ?? null;
    const insertedProject = await tx
      .insert(projects)
      .values({ ...demoProject, createdBy: adminId })
      .onConflictDoNothing()
      .returning({ id: projects.id });
    const [project] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.slug, demoProject.slug));
    if (!project) throw new Error("demo project missing after insert");
    for (const u of demoUsers) {
      const userId = ids.get(u.email);
      if (!userId) continue;
      await tx.insert(memberships).values({ projectId: project.id, userId, persona: u.persona }).onConflictDoNothing();
    }
    if (insertedProject[0]) {
      await tx.insert(auditLog).values({
        action: "project.create",
        subjectType: "project",
        subjectId: project.id,
        projectId: project.id,
        summary: `Demo project "${demoProject.name}" created by the demo seed with ${demoUsers.length} members`,
        after: { slug: demoProject.slug, name: demoProject.name },
      });
    }
    return { createdUsers, createdProject: Boolean(insertedProject[0]) };
  });
}

/**
 * The demo project's "subscribers" dataset, registered through the real services (profile, sample,
 * validation, audit) by the demo data scientist: two versions, the second drifting and failing a rule.
 */
async function seedDemoDataset(db: Db): Promise<void> {
  const found = await demoProjectAndScientist(db);
  if (!found) return;
  const { project, actor } = found;
  const [existing] = await db.select({ n: count() }).from(datasets).where(eq(datasets.projectId, project.id));
  if ((existing?.n ?? 0) > 0) return;
  const name = "subscribers";
  await createDataset(db, actor, project, { name, description: "One row per subscriber: plan, billing, usage and whether they churned within 30 days." });
  await addRule(db, actor, project, name, { kind: "column_present", column: "churned", severity: "fail" });
  await addRule(db, actor, project, name, { kind: "max_null_fraction", column: "monthly_fee", max: 0.05, severity: "fail" });
  await addRule(db, actor, project, name, { kind: "numeric_range", column: "monthly_fee", min: 0, max: 250, severity: "fail" });
  await addRule(db, actor, project, name, { kind: "allowed_values", column: "country", values: ["US", "DE", "FR", "GB", "BR"], severity: "warn" });
  await addRule(db, actor, project, name, { kind: "unique", column: "subscriber_id", severity: "fail" });
  await addRule(db, actor, project, name, { kind: "schema_unchanged", severity: "warn" });
  for (const version of [1, 2] as const) {
    const bytes = new TextEncoder().encode(demoSubscribersCsv(version));
    await registerUpload(db, actor, project, name, { filename: `subscribers-2026-${version === 1 ? "09" : "10"}.csv`, body: [bytes] });
  }
}

/** The demo project and its data scientist, who authors the seeded dataset and runs. */
async function demoProjectAndScientist(db: Db): Promise<{ project: { id: string; slug: string; name: string }; actor: Actor } | null> {
  const [project] = await db.select({ id: projects.id, slug: projects.slug, name: projects.name }).from(projects).where(eq(projects.slug, demoProject.slug));
  const [ds] = await db.select().from(users).where(eq(users.email, "ds@ferry.dev"));
  if (!project || !ds) return null;
  const actor: Actor = { id: ds.id, email: ds.email, name: ds.name, isAdmin: ds.isAdmin, orgRole: ds.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
  return { project, actor };
}

const HOUR = 3_600_000;

/** The seeded runs: a baseline that misses the churners, then the class-weighted runs that fix it. */
export const demoRuns: { name: string; hoursAgo: number; note: string; options: Partial<TrainOptions> }[] = [
  {
    name: "baseline-lr",
    hoursAgo: 71,
    note: "Unweighted baseline: high accuracy, but it almost never predicts a churner (~11% of subscribers).",
    options: { classWeight: "none", learningRate: 0.5, epochs: 30 },
  },
  {
    name: "balanced-lr",
    hoursAgo: 50,
    note: "Balanced class weights: churners weigh as much as stayers, so recall rises at the cost of accuracy.",
    options: { classWeight: "balanced", learningRate: 0.5, epochs: 30 },
  },
  { name: "balanced-lr-0.1", hoursAgo: 27, note: "Balanced, smaller learning rate, more epochs.", options: { classWeight: "balanced", learningRate: 0.1, epochs: 40 } },
  { name: "balanced-l2-strong", hoursAgo: 5, note: "Balanced, with strong L2 regularisation (0.05).", options: { classWeight: "balanced", l2: 0.05 } },
];

/** A clock that starts at `start` and advances 20–40 s per reading, the same way every seed. */
function epochClock(start: number, seed: number): () => number {
  const random = mulberry32(seed);
  let now = start;
  return () => (now += Math.round(20_000 + 20_000 * random()));
}

/**
 * Four finished runs of the reference trainer on subscribers v1, logged through the tracking
 * service as the demo data scientist, dated over the last three days so the runs pages, charts and
 * lineage have something to show. Real training, not invented numbers: ~0.1 s per run.
 */
export async function seedDemoRuns(db: Db): Promise<void> {
  const found = await demoProjectAndScientist(db);
  if (!found) return;
  const { project, actor } = found;
  const [existing] = await db.select({ n: count() }).from(runs).where(eq(runs.projectId, project.id));
  if ((existing?.n ?? 0) > 0) return;
  const csv = demoSubscribersCsv(1);
  const now = Date.now();
  for (const [i, run] of demoRuns.entries()) {
    // Whole minutes, as if someone started each run by hand.
    const startTime = Math.floor((now - run.hoursAgo * HOUR) / 60_000) * 60_000;
    const tags = [{ key: "mlflow.note.content", value: run.note }];
    const sink = await ServiceSink.start(db, actor, project, { runName: run.name, startTime, tags });
    const options: TrainOptions = {
      csv,
      target: "churned",
      positive: "true",
      ...run.options,
      dataset: { name: "subscribers", source: datasetVersionUri(project.slug, "subscribers", 1), sourceType: "ferry" },
    };
    await trainAndLog(options, sink, epochClock(startTime, i + 1));
  }
}

export const demoModel = {
  name: "churn-classifier",
  description: "Flags subscribers likely to cancel within 30 days, for the retention team's weekly outreach list.",
};

async function demoActor(db: Db, email: string): Promise<Actor | null> {
  const [u] = await db.select().from(users).where(eq(users.email, email));
  return u ? { id: u.id, email: u.email, name: u.name, isAdmin: u.isAdmin, orgRole: u.orgRole, mustChangePassword: false, sessionId: null, tokenId: null } : null;
}

/**
 * The demo model, through the real registry services: the unweighted baseline went to production
 * first; the ML engineer then set recall and ROC AUC gates (accuracy misleads on 11% churners); the
 * balanced run passed them and replaced it, approved by ops. The two newest runs are left for the
 * user to register and promote.
 */
export async function seedDemoModel(db: Db): Promise<void> {
  const found = await demoProjectAndScientist(db);
  if (!found) return;
  const { project, actor: ds } = found;
  const [existing] = await db.select({ n: count() }).from(registeredModels).where(eq(registeredModels.projectId, project.id));
  if ((existing?.n ?? 0) > 0) return;
  const ops = await demoActor(db, "ops@ferry.dev");
  const mle = await demoActor(db, "mle@ferry.dev");
  const runRows = await db.select({ id: runs.id, name: runs.name }).from(runs).where(eq(runs.projectId, project.id));
  const runId = (name: string) => runRows.find((r) => r.name === name)?.id;
  const baseline = runId("baseline-lr");
  const balanced = runId("balanced-lr");
  if (!ops || !mle || !baseline || !balanced) return;
  const model = await createRegisteredModel(db, ds, project, demoModel);
  await createModelVersion(db, ds, model, { source: `runs:/${baseline}/model`, runId: baseline, description: "Unweighted logistic regression baseline." });
  const first = await requestPromotion(db, ds, model, { version: 1, environment: "production", justification: "First churn model: 89% accuracy on the September holdout." });
  await approvePromotion(db, ops, model, first.id, "Reviewed the evaluation; fine as a first model behind the outreach list.");
  await setGateRules(db, mle, model, [
    { metric: "recall", minValue: 0.5, maxDrop: 0.05 },
    { metric: "roc_auc", minValue: 0.7, maxDrop: 0.02 },
    { metric: "f1", minValue: null, maxDrop: 0.02 },
  ]);
  await createModelVersion(db, ds, model, { source: `runs:/${balanced}/model`, runId: balanced, description: "Balanced class weights: catches three in four churners." });
  const second = await requestPromotion(db, ds, model, {
    version: 2,
    environment: "production",
    justification: "The baseline finds 5% of churners; balanced weights find 74% at the same ROC AUC.",
  });
  if (second.status === "pending") await approvePromotion(db, ops, model, second.id, "Recall gate passed; retention team agreed to the larger outreach list.");
  // History, not news: the seeded decisions do not light up the data scientist's badge.
  await markDecisionsSeen(db, ds);
}

/** The seeded production history: 72 hourly batches ending at the last whole hour, drifting for the last 24. */
export const demoTraffic = { hours: 72, driftAfterHours: 48, rowsPerHour: 150, labelDelayHours: 6, batchPrefix: "demo" } as const;

/**
 * Three days of production traffic for the demo model, as `npm run example:traffic` would send it
 * (lib/examples/traffic.ts: rows scored by the production version's saved model, true outcomes
 * known 6 h later): healthy for two days, then a price rise drifts the population and accuracy and
 * recall fall. Ingested in-process in arrival order — each batch at the end of its hour, with the
 * labels known by then — so labelled_at is as a labelling job would have written it. ~1–2 s on PGlite.
 */
export async function seedDemoTraffic(db: Db, now = Date.now()): Promise<void> {
  const [model] = await db
    .select({ id: registeredModels.id, projectId: registeredModels.projectId, name: registeredModels.name })
    .from(registeredModels)
    .innerJoin(projects, eq(projects.id, registeredModels.projectId))
    .where(and(eq(projects.slug, demoProject.slug), eq(registeredModels.name, demoModel.name)));
  if (!model) return;
  const [existing] = await db.select({ n: count() }).from(predictionBatches).where(eq(predictionBatches.modelId, model.id));
  if ((existing?.n ?? 0) > 0) return;
  const mle = await demoActor(db, "mle@ferry.dev");
  const production = await getCurrentDeployment(db, model.id, "production");
  if (!mle || !production) return;
  const saved = parseSavedModel(await readFile(confinedPath(production.runId, ["model", "model.json"]), "utf8"));
  // A token row, so the batches name what sent them; its secret is dropped on purpose — users create
  // their own on the model page (or through the API) to send traffic.
  const token = await createIngestToken(db, mle, model, "demo traffic (seed)");
  const auth: IngestAuth = { tokenId: token.id, modelId: model.id, projectId: model.projectId, modelName: model.name };
  const end = Math.floor(now / HOUR) * HOUR;
  const batches = trafficBatches(saved, { ...demoTraffic, start: end - demoTraffic.hours * HOUR });
  let labelledUpTo = -Infinity;
  const sendLabels = async (at: number) => {
    const labels = labelsKnown(batches, at, labelledUpTo);
    labelledUpTo = at;
    if (labels.length) await labelWithAlerts(db, auth, { labels }, new Date(at));
  };
  for (const batch of batches) {
    const arrived = batch.hourStart + HOUR;
    await ingestWithAlerts(db, auth, { batchId: batch.batchId, rows: batch.rows }, new Date(arrived));
    await sendLabels(arrived);
  }
  // Labels known at the top of the hour, not at this minute: the seed (and its alerts) come out the same whenever it runs.
  await sendLabels(end);
}

export const demoPipeline = {
  name: "retrain-on-new-data",
  description: "Retrains the churn classifier on every new version of subscribers that passes validation, and asks ops to put it in production if it clears the gates.",
};

/**
 * The demo model's continuous-training pipeline, saved by the ML engineer: a new version of
 * subscribers → validate → train as balanced-lr was (on any cluster; the local agent runs it) →
 * the model's gates → register → request production. Uploading public/demo/subscribers-2026-11.csv
 * starts it.
 */
export async function seedDemoPipeline(db: Db): Promise<void> {
  const [project] = await db.select({ id: projects.id, slug: projects.slug, name: projects.name }).from(projects).where(eq(projects.slug, demoProject.slug));
  const mle = await demoActor(db, "mle@ferry.dev");
  if (!project || !mle) return;
  const [existing] = await db.select({ n: count() }).from(pipelines).where(eq(pipelines.projectId, project.id));
  if ((existing?.n ?? 0) > 0) return;
  const [model] = await db.select({ id: registeredModels.id }).from(registeredModels).where(and(eq(registeredModels.projectId, project.id), eq(registeredModels.name, demoModel.name)));
  if (!model) return;
  const input = pipelineInputSchema.parse({
    ...demoPipeline,
    model: demoModel.name,
    dataset: "subscribers",
    template: {
      command: 'ferry-example-train --data "$FERRY_DATASET_PATH" --target churned --epochs {epochs} --learning-rate {lr} --class-weight {class_weight}',
      params: { epochs: "30", lr: "0.5", class_weight: "balanced" },
    },
    triggers: { datasetVersion: true },
    promoteTo: ["production"],
  });
  await savePipeline(db, mle, project, input, undefined, { checkClusters: false });
}
