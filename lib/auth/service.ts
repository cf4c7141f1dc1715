import "server-only";
import crypto from "node:crypto";
import { and, count, eq, gt, lt, ne, or } from "drizzle-orm";
import type { Db } from "@/db";
import { sessions, signInAttempts, users } from "@/db/schema";
import { recordAudit } from "@/lib/audit/service";
import { SafeError } from "@/lib/actions/safe-error";
import { env } from "@/lib/env";
import type { Actor } from "./authorize";
import { hashPassword, verifyPassword } from "./password";

export const RATE_LIMIT = {
  windowMinutes: 15,
  maxFailuresPerEmail: 5,
  maxFailuresPerIp: 50,
} as const;

export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string }; sessionId: string }
  | { ok: false; code: "invalid_credentials" | "deactivated" | "rate_limited"; retryAfterMinutes?: number };

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

async function recentFailures(db: Db, email: string, ip: string, since: Date) {
  const [emailCount] = await db
    .select({ n: count() })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.email, email), gt(signInAttempts.at, since)));
  const [ipCount] = await db
    .select({ n: count() })
    .from(signInAttempts)
    .where(and(eq(signInAttempts.ip, ip), gt(signInAttempts.at, since)));
  return { email: emailCount?.n ?? 0, ip: ipCount?.n ?? 0 };
}

/**
 * Checks e-mail and password, rate-limits failures per e-mail and per IP, and opens a server-side
 * session. The same answer for unknown e-mails and wrong passwords, in the same time.
 */
export async function signInWithPassword(
  db: Db,
  input: { email: string; password: string; ip: string },
  now = new Date(),
): Promise<SignInResult> {
  const email = normalizeEmail(input.email);
  const since = new Date(now.getTime() - RATE_LIMIT.windowMinutes * 60_000);
  const failures = await recentFailures(db, email, input.ip, since);
  if (failures.email >= RATE_LIMIT.maxFailuresPerEmail || failures.ip >= RATE_LIMIT.maxFailuresPerIp) {
    return { ok: false, code: "rate_limited", retryAfterMinutes: RATE_LIMIT.windowMinutes };
  }

  const [user] = await db.select().from(users).where(eq(users.email, email));
  const valid = await verifyPassword(user?.passwordHash ?? null, input.password);
  if (!user || !valid) {
    await db.insert(signInAttempts).values({ email, ip: input.ip, at: now });
    return { ok: false, code: "invalid_credentials" };
  }
  if (!user.active) return { ok: false, code: "deactivated" };

  const sessionId = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + env.FERRY_SESSION_HOURS * 3_600_000);
  await db.transaction(async (tx) => {
    await tx.insert(sessions).values({ id: sessionId, userId: user.id, expiresAt, createdAt: now });
    // A success clears this e-mail's failure count; old rows are pruned as we go.
    await tx
      .delete(signInAttempts)
      .where(or(eq(signInAttempts.email, email), lt(signInAttempts.at, new Date(now.getTime() - 86_400_000))));
    await tx.delete(sessions).where(and(eq(sessions.userId, user.id), lt(sessions.expiresAt, now)));
  });
  return { ok: true, user: { id: user.id, email: user.email, name: user.name }, sessionId };
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

export async function changePassword(
  db: Db,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
): Promise<void> {
  const [user] = await db.select().from(users).where(eq(users.id, actor.id));
  if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new SafeError("Current password is incorrect.", 400, "currentPassword");
  }
  if (input.currentPassword === input.newPassword) {
    throw new SafeError("Choose a password different from the current one.", 400, "newPassword");
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ passwordHash, mustChangePassword: false, updatedAt: new Date() })
      .where(eq(users.id, actor.id));
    // Other sessions of this user end: a changed password should lock out whoever else had it.
    await tx.delete(sessions).where(and(eq(sessions.userId, actor.id), ne(sessions.id, actor.sessionId ?? "")));
    await recordAudit(tx, actor, {
      action: "user.change_password",
      subject: { type: "user", id: actor.id },
      summary: `${actor.email} changed their password`,
    });
  });
}
