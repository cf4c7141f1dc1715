import "server-only";
import type { Db, Tx } from "@/db";
import { auditLog } from "@/db/schema";

export interface AuditEntry {
  action: string;
  subject: { type: string; id: string };
  projectId?: string | null;
  summary: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
}

/** Appends one entry. Call it inside the transaction of the change it describes. */
export async function recordAudit(
  tx: Db | Tx,
  actor: { id: string; email: string } | null,
  entry: AuditEntry,
): Promise<void> {
  await tx.insert(auditLog).values({
    actorId: actor?.id ?? null,
    actorEmail: actor?.email ?? null,
    action: entry.action,
    subjectType: entry.subject.type,
    subjectId: entry.subject.id,
    projectId: entry.projectId ?? null,
    summary: entry.summary,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}
