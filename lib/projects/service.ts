import "server-only";
import { and, eq } from "drizzle-orm";
import type { Db } from "@/db";
import { memberships, projects, users } from "@/db/schema";
import { NotFoundError, SafeError, isUniqueViolation } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { personaLabels } from "@/lib/auth/permissions";
import type { AddMemberInput, ChangePersonaInput, CreateProjectInput, RemoveMemberInput } from "./schemas";

export async function createProject(db: Db, actor: Actor, input: CreateProjectInput): Promise<ProjectRef> {
  try {
    return await db.transaction(async (tx) => {
      const [taken] = await tx.select({ id: projects.id }).from(projects).where(eq(projects.slug, input.slug));
      if (taken) throw duplicateSlug(input.slug);
      const [project] = await tx
        .insert(projects)
        .values({ name: input.name, slug: input.slug, description: input.description, createdBy: actor.id })
        .returning({ id: projects.id, slug: projects.slug, name: projects.name });
      if (!project) throw new Error("insert returned no row");
      await recordAudit(tx, actor, {
        action: "project.create",
        subject: { type: "project", id: project.id },
        projectId: project.id,
        summary: `${actor.email} created project "${input.name}" (${input.slug})`,
        after: { name: input.name, slug: input.slug, description: input.description },
      });
      return project;
    });
  } catch (e) {
    // Two admins racing for one slug: the unique index decides, the loser gets the same message.
    if (isUniqueViolation(e)) throw duplicateSlug(input.slug);
    throw e;
  }
}

function duplicateSlug(slug: string) {
  return new SafeError(`The slug "${slug}" is already used by another project. Choose another one.`, 409, "slug");
}

export async function addMember(db: Db, actor: Actor, project: ProjectRef, input: AddMemberInput): Promise<void> {
  await db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, email: users.email, active: users.active })
      .from(users)
      .where(eq(users.email, input.email));
    if (!user) {
      throw new SafeError(
        `No Ferry user has the e-mail ${input.email}. An admin can create the account under Admin → Users first.`,
        404,
        "email",
      );
    }
    if (!user.active) throw new SafeError(`${user.email} is deactivated. Reactivate the account first.`, 409, "email");
    const inserted = await tx
      .insert(memberships)
      .values({ projectId: project.id, userId: user.id, persona: input.persona })
      .onConflictDoNothing()
      .returning({ userId: memberships.userId });
    if (!inserted[0]) throw new SafeError(`${user.email} is already a member of this project.`, 409, "email");
    await recordAudit(tx, actor, {
      action: "member.add",
      subject: { type: "user", id: user.id },
      projectId: project.id,
      summary: `${actor.email} added ${user.email} as ${personaLabels[input.persona].toLowerCase()}`,
      after: { email: user.email, persona: input.persona },
    });
  });
}

async function findMember(db: Db, projectId: string, userId: string) {
  const [row] = await db
    .select({ persona: memberships.persona, email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.projectId, projectId), eq(memberships.userId, userId)));
  if (!row) throw new NotFoundError("This person is not a member of the project.");
  return row;
}

export async function changePersona(db: Db, actor: Actor, project: ProjectRef, input: ChangePersonaInput): Promise<void> {
  await db.transaction(async (tx) => {
    const member = await findMember(tx, project.id, input.userId);
    if (member.persona === input.persona) return;
    await tx
      .update(memberships)
      .set({ persona: input.persona })
      .where(and(eq(memberships.projectId, project.id), eq(memberships.userId, input.userId)));
    await recordAudit(tx, actor, {
      action: "member.change_persona",
      subject: { type: "user", id: input.userId },
      projectId: project.id,
      summary: `${actor.email} changed ${member.email} from ${personaLabels[member.persona].toLowerCase()} to ${personaLabels[input.persona].toLowerCase()}`,
      before: { persona: member.persona },
      after: { persona: input.persona },
    });
  });
}

export async function removeMember(db: Db, actor: Actor, project: ProjectRef, input: RemoveMemberInput): Promise<void> {
  await db.transaction(async (tx) => {
    const member = await findMember(tx, project.id, input.userId);
    await tx
      .delete(memberships)
      .where(and(eq(memberships.projectId, project.id), eq(memberships.userId, input.userId)));
    await recordAudit(tx, actor, {
      action: "member.remove",
      subject: { type: "user", id: input.userId },
      projectId: project.id,
      summary: `${actor.email} removed ${member.email} (${personaLabels[member.persona].toLowerCase()})`,
      before: { email: member.email, persona: member.persona },
    });
  });
}
