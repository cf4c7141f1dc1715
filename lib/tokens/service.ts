import "server-only";
import { and, count, eq, isNull, sql } from "drizzle-orm";
import type { Db, Tx } from "@/db";
import { apiTokens, users } from "@/db/schema";
import { ForbiddenError, NotFoundError, SafeError } from "@/lib/actions/safe-error";
import { recordAudit } from "@/lib/audit/service";
import type { Actor } from "@/lib/auth/authorize";
import { generateApiToken } from "@/lib/auth/tokens";
import { apiTokenSummaryColumns, type ApiTokenSummary } from "./queries";
import { tokenIdSchema, type CreateApiTokenInput } from "./schemas";

export const MAX_ACTIVE_TOKENS = 50;

export const tokensCannotCreateTokens =
  "API tokens cannot create tokens; sign in to Ferry in a browser and create one on your account page.";

/** What creation returns, once: the clear token is never stored, only its sha256. */
export interface CreatedApiToken extends ApiTokenSummary {
  token: string;
}

function nameTaken(name: string) {
  return new SafeError(`You already have an active token named "${name}". Choose another name, or revoke that token first.`, 409, "name");
}

/** Locks the user's row, so that concurrent creations cannot both pass the name and count checks. */
async function lockUser(tx: Tx, userId: string) {
  await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for("update");
}

export async function createApiToken(db: Db, actor: Actor, input: CreateApiTokenInput): Promise<CreatedApiToken> {
  // A stolen token must not be able to mint fresh ones that outlive its revocation.
  if (actor.tokenId) throw new ForbiddenError(tokensCannotCreateTokens);
  const { token, hash, displayPrefix } = generateApiToken();
  return db.transaction(async (tx) => {
    await lockUser(tx, actor.id);
    const active = and(eq(apiTokens.userId, actor.id), isNull(apiTokens.revokedAt));
    const [same] = await tx
      .select({ id: apiTokens.id })
      .from(apiTokens)
      .where(and(active, sql`lower(${apiTokens.name}) = lower(${input.name})`));
    if (same) throw nameTaken(input.name);
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(apiTokens).where(active);
    if (n >= MAX_ACTIVE_TOKENS) {
      throw new SafeError(`You already have ${MAX_ACTIVE_TOKENS} active tokens, the most allowed. Revoke one you no longer use first.`, 409);
    }
    const [row] = await tx
      .insert(apiTokens)
      .values({ userId: actor.id, name: input.name, tokenHash: hash, prefix: displayPrefix })
      .returning(apiTokenSummaryColumns);
    if (!row) throw new Error("insert returned no row");
    await recordAudit(tx, actor, {
      action: "token.create",
      subject: { type: "api_token", id: row.id },
      summary: `${actor.email} created API token "${row.name}" (${row.prefix}…)`,
      after: { name: row.name, prefix: row.prefix },
    });
    return { ...row, token };
  });
}

/**
 * Revokes one of the actor's own tokens. Someone else's token, or an unknown id, is "not found" (its
 * existence does not leak). Revoking an already revoked token changes nothing and succeeds.
 */
export async function revokeApiToken(db: Db, actor: Actor, tokenId: string): Promise<ApiTokenSummary> {
  // Not a uuid: no such token (and no database error from a malformed id).
  if (!tokenIdSchema.safeParse({ tokenId }).success) throw new NotFoundError("API token not found.");
  return db.transaction(async (tx) => {
    const [token] = await tx
      .select(apiTokenSummaryColumns)
      .from(apiTokens)
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, actor.id)))
      .for("update");
    if (!token) throw new NotFoundError("API token not found.");
    if (token.revokedAt) return token;
    const [revoked] = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiTokens.id, tokenId), eq(apiTokens.userId, actor.id)))
      .returning(apiTokenSummaryColumns);
    if (!revoked) throw new Error("update returned no row");
    await recordAudit(tx, actor, {
      action: "token.revoke",
      subject: { type: "api_token", id: token.id },
      summary: `${actor.email} revoked API token "${token.name}" (${token.prefix}…)${actor.tokenId === token.id ? " with the token itself" : ""}`,
      before: { revokedAt: null },
      after: { revokedAt: revoked.revokedAt?.toISOString() ?? null },
    });
    return revoked;
  });
}
