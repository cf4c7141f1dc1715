import "server-only";
import { desc, eq, sql } from "drizzle-orm";
import type { Db } from "@/db";
import { apiTokens } from "@/db/schema";

/** What a user may see of one of their tokens: never the token, never its hash. */
export interface ApiTokenSummary {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export const apiTokenSummaryColumns = {
  id: apiTokens.id,
  name: apiTokens.name,
  prefix: apiTokens.prefix,
  createdAt: apiTokens.createdAt,
  lastUsedAt: apiTokens.lastUsedAt,
  revokedAt: apiTokens.revokedAt,
};

// Active tokens are capped at 50 per user; revoked ones pile up over the years, so only the most
// recent of those are listed.
const LIST_LIMIT = 200;

/** The user's tokens, active first, newest first. */
export async function listApiTokens(db: Db, userId: string): Promise<ApiTokenSummary[]> {
  return db
    .select(apiTokenSummaryColumns)
    .from(apiTokens)
    .where(eq(apiTokens.userId, userId))
    .orderBy(sql`${apiTokens.revokedAt} is not null`, desc(apiTokens.revokedAt), desc(apiTokens.createdAt))
    .limit(LIST_LIMIT);
}
