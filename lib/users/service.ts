import "server-only";
import { and, count, eq, ne } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { sessions, users } from "@/db/schema";
import { NotFoundError, SafeError, isUniqueViolation } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor } from "@/lib/auth/authorize";
import { hashPassword } from "@/lib/auth/password";
import { orgRoleLabels, type OrgRole } from "@/lib/auth/permissions";
import type { CreateUserInput } from "./schemas";
import { temporaryPassword } from "./temporary-password";

export interface CreatedUser {
  id: string;
  email: string;
  temporaryPassword: string;
}

function emailTaken(email: string) {
  return new SafeError(`A user with the e-mail ${email} already exists.`, 409, "email");
}

export async function createUser(db: Db, actor: Actor, input: CreateUserInput): Promise<CreatedUser> {
  const password = temporaryPassword();
  const passwordHash = await hashPassword(password);
  try {
    return await db.transaction(async (tx) => {
      const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, input.email));
      if (existing) throw emailTaken(input.email);
      const [user] = await tx
        .insert(users)
        .values({ ...input, passwordHash, mustChangePassword: true })
        .returning({ id: users.id, email: users.email });
      if (!user) throw new Error("insert returned no row");
      await recordAudit(tx, actor, {
        action: "user.create",
        subject: { type: "user", id: user.id },
        summary: `${actor.email} created user ${user.email} (${orgRoleLabels[input.orgRole].toLowerCase()}${input.isAdmin ? ", admin" : ""})`,
        after: { email: user.email, name: input.name, orgRole: input.orgRole, isAdmin: input.isAdmin },
      });
      return { ...user, temporaryPassword: password };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw emailTaken(input.email);
    throw e;
  }
}

async function loadUser(tx: Db | Tx, userId: string) {
  const [user] = await tx.select().from(users).where(eq(users.id, userId));
  if (!user) throw new NotFoundError("User not found.");
  return user;
}

async function activeAdminCount(tx: Db | Tx) {
  const [row] = await tx.select({ n: count() }).from(users).where(and(eq(users.isAdmin, true), eq(users.active, true)));
  return row?.n ?? 0;
}

export async function setOrgRole(db: Db, actor: Actor, userId: string, orgRole: OrgRole): Promise<void> {
  await db.transaction(async (tx) => {
    const user = await loadUser(tx, userId);
    if (user.orgRole === orgRole) return;
    await tx.update(users).set({ orgRole, updatedAt: new Date() }).where(eq(users.id, userId));
    await recordAudit(tx, actor, {
      action: "user.set_org_role",
      subject: { type: "user", id: userId },
      summary: `${actor.email} changed ${user.email}'s org role from ${orgRoleLabels[user.orgRole].toLowerCase()} to ${orgRoleLabels[orgRole].toLowerCase()}`,
      before: { orgRole: user.orgRole },
      after: { orgRole },
    });
  });
}

export async function setAdmin(db: Db, actor: Actor, userId: string, isAdmin: boolean): Promise<void> {
  await db.transaction(async (tx) => {
    const user = await loadUser(tx, userId);
    if (user.isAdmin === isAdmin) return;
    if (!isAdmin && user.id === actor.id) throw new SafeError("You cannot remove your own admin rights; ask another admin.", 409);
    await tx.update(users).set({ isAdmin, updatedAt: new Date() }).where(eq(users.id, userId));
    await recordAudit(tx, actor, {
      action: isAdmin ? "user.grant_admin" : "user.revoke_admin",
      subject: { type: "user", id: userId },
      summary: `${actor.email} ${isAdmin ? "made" : "removed"} ${user.email} ${isAdmin ? "an admin" : "as admin"}`,
      before: { isAdmin: user.isAdmin },
      after: { isAdmin },
    });
  });
}

export async function setActive(db: Db, actor: Actor, userId: string, active: boolean): Promise<void> {
  await db.transaction(async (tx) => {
    const user = await loadUser(tx, userId);
    if (user.active === active) return;
    if (!active && user.id === actor.id) throw new SafeError("You cannot deactivate your own account.", 409);
    if (!active && user.isAdmin && (await activeAdminCount(tx)) <= 1) {
      throw new SafeError("This is the last active admin; make someone else admin first.", 409);
    }
    await tx.update(users).set({ active, updatedAt: new Date() }).where(eq(users.id, userId));
    // Deactivation ends every session at once (authorize() also checks the flag on every request).
    if (!active) await tx.delete(sessions).where(eq(sessions.userId, userId));
    await recordAudit(tx, actor, {
      action: active ? "user.reactivate" : "user.deactivate",
      subject: { type: "user", id: userId },
      summary: `${actor.email} ${active ? "reactivated" : "deactivated"} ${user.email}`,
      before: { active: user.active },
      after: { active },
    });
  });
}

export async function resetPassword(db: Db, actor: Actor, userId: string): Promise<CreatedUser> {
  const password = temporaryPassword();
  const passwordHash = await hashPassword(password);
  return db.transaction(async (tx) => {
    const user = await loadUser(tx, userId);
    if (user.id === actor.id) throw new SafeError("Change your own password on your account page.", 409);
    await tx.update(users).set({ passwordHash, mustChangePassword: true, updatedAt: new Date() }).where(eq(users.id, userId));
    await tx.delete(sessions).where(and(eq(sessions.userId, userId), ne(sessions.id, actor.sessionId ?? "")));
    await recordAudit(tx, actor, {
      action: "user.reset_password",
      subject: { type: "user", id: userId },
      summary: `${actor.email} reset ${user.email}'s password`,
    });
    return { id: user.id, email: user.email, temporaryPassword: password };
  });
}
