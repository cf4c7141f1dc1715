import { count, eq } from "drizzle-orm";
import type { Actor } from "@/lib/auth/authorize";
import { hashPassword } from "@/lib/auth/password";
import { addRule, createDataset, registerUpload } from "@/lib/datasets/service";
import type { Db } from "./client";
import { demoSubscribersCsv } from "./demo-data";
import { auditLog, datasets, memberships, projects, users } from "./schema";

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
  const [project] = await db.select({ id: projects.id, slug: projects.slug, name: projects.name }).from(projects).where(eq(projects.slug, demoProject.slug));
  const [ds] = await db.select().from(users).where(eq(users.email, "ds@ferry.dev"));
  if (!project || !ds) return;
  const [existing] = await db.select({ n: count() }).from(datasets).where(eq(datasets.projectId, project.id));
  if ((existing?.n ?? 0) > 0) return;
  const actor: Actor = { id: ds.id, email: ds.email, name: ds.name, isAdmin: ds.isAdmin, orgRole: ds.orgRole, mustChangePassword: false, sessionId: null, tokenId: null };
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
