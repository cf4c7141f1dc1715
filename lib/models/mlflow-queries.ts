import "server-only";
import { and, asc, desc, eq, exists, ilike, inArray, like, ne, sql, type SQL } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "@/db";
import { modelAliases, modelVersionTags, modelVersions, registeredModelTags, registeredModels, users } from "@/db/schema";
import { invalid } from "@/lib/tracking/errors";

// The model registry in MLflow's shapes (mlflow/protos/model_registry.proto: RegisteredModel,
// ModelVersion) and its search syntax (SearchRegisteredModels, SearchModelVersions). Every read is
// scoped to the project ids the caller was authorized for.

export interface MlflowModelVersion {
  name: string;
  /** A string, as in the proto. */
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  /** Ferry has no stages; promotion moves the `staging`/`production` aliases instead. */
  current_stage: "None";
  description: string;
  source: string;
  run_id: string;
  status: "READY";
  status_message: string;
  tags: { key: string; value: string }[];
  run_link: string;
  aliases: string[];
}

export interface MlflowRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  latest_versions: MlflowModelVersion[];
  tags: { key: string; value: string }[];
  aliases: { alias: string; version: string }[];
}

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = m.get(k);
    if (list) list.push(r);
    else m.set(k, [r]);
  }
  return m;
}

/** Full ModelVersion objects, in the order of `ids`. */
export async function getMlflowModelVersions(db: Db, ids: string[]): Promise<MlflowModelVersion[]> {
  if (!ids.length) return [];
  const [rows, tagRows, aliasRows] = await Promise.all([
    db
      .select({
        id: modelVersions.id,
        name: registeredModels.name,
        version: modelVersions.version,
        createdAt: modelVersions.createdAt,
        updatedAt: modelVersions.updatedAt,
        email: users.email,
        description: modelVersions.description,
        source: modelVersions.source,
        runId: modelVersions.runId,
        runLink: modelVersions.runLink,
      })
      .from(modelVersions)
      .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
      .leftJoin(users, eq(users.id, modelVersions.createdBy))
      .where(inArray(modelVersions.id, ids)),
    db.select().from(modelVersionTags).where(inArray(modelVersionTags.versionId, ids)).orderBy(asc(modelVersionTags.key)),
    db
      .select({ versionId: modelAliases.versionId, alias: modelAliases.alias })
      .from(modelAliases)
      .where(inArray(modelAliases.versionId, ids))
      .orderBy(asc(modelAliases.alias)),
  ]);
  const tags = groupBy(tagRows, (t) => t.versionId);
  const aliases = groupBy(aliasRows, (a) => a.versionId);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    return [
      {
        name: r.name,
        version: String(r.version),
        creation_timestamp: r.createdAt.getTime(),
        last_updated_timestamp: r.updatedAt.getTime(),
        user_id: r.email ?? "",
        current_stage: "None" as const,
        description: r.description,
        source: r.source,
        run_id: r.runId,
        status: "READY" as const,
        status_message: "",
        tags: (tags.get(id) ?? []).map((t) => ({ key: t.key, value: t.value })),
        run_link: r.runLink,
        aliases: (aliases.get(id) ?? []).map((a) => a.alias),
      },
    ];
  });
}

/** Full RegisteredModel objects (with their latest version), in the order of `ids`. */
export async function getMlflowRegisteredModels(db: Db, ids: string[]): Promise<MlflowRegisteredModel[]> {
  if (!ids.length) return [];
  const [rows, tagRows, aliasRows, latestRows] = await Promise.all([
    db
      .select({
        id: registeredModels.id,
        name: registeredModels.name,
        createdAt: registeredModels.createdAt,
        updatedAt: registeredModels.updatedAt,
        description: registeredModels.description,
        email: users.email,
      })
      .from(registeredModels)
      .leftJoin(users, eq(users.id, registeredModels.createdBy))
      .where(inArray(registeredModels.id, ids)),
    db.select().from(registeredModelTags).where(inArray(registeredModelTags.modelId, ids)).orderBy(asc(registeredModelTags.key)),
    db
      .select({ modelId: modelAliases.modelId, alias: modelAliases.alias, version: modelVersions.version })
      .from(modelAliases)
      .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
      .where(inArray(modelAliases.modelId, ids))
      .orderBy(asc(modelAliases.alias)),
    db
      .selectDistinctOn([modelVersions.modelId], { modelId: modelVersions.modelId, id: modelVersions.id })
      .from(modelVersions)
      .where(inArray(modelVersions.modelId, ids))
      .orderBy(modelVersions.modelId, desc(modelVersions.version)),
  ]);
  const latest = new Map((await getMlflowModelVersions(db, latestRows.map((l) => l.id))).map((v, i) => [latestRows[i]!.modelId, v]));
  const tags = groupBy(tagRows, (t) => t.modelId);
  const aliases = groupBy(aliasRows, (a) => a.modelId);
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    if (!r) return [];
    const newest = latest.get(id);
    return [
      {
        name: r.name,
        creation_timestamp: r.createdAt.getTime(),
        last_updated_timestamp: r.updatedAt.getTime(),
        user_id: r.email ?? "",
        description: r.description,
        latest_versions: newest ? [newest] : [],
        tags: (tags.get(id) ?? []).map((t) => ({ key: t.key, value: t.value })),
        aliases: (aliases.get(id) ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
      },
    ];
  });
}

// ---- lookups ------------------------------------------------------------------------------------

/** The version an alias points at, or null. */
export async function getAliasVersion(db: Db, modelId: string, alias: string): Promise<{ id: string; version: number; runId: string } | null> {
  const [row] = await db
    .select({ id: modelVersions.id, version: modelVersions.version, runId: modelVersions.runId })
    .from(modelAliases)
    .innerJoin(modelVersions, eq(modelVersions.id, modelAliases.versionId))
    .where(and(eq(modelAliases.modelId, modelId), eq(modelAliases.alias, alias)));
  return row ?? null;
}

export async function getLatestVersionId(db: Db, modelId: string): Promise<string | null> {
  const [row] = await db
    .select({ id: modelVersions.id })
    .from(modelVersions)
    .where(eq(modelVersions.modelId, modelId))
    .orderBy(desc(modelVersions.version))
    .limit(1);
  return row?.id ?? null;
}

// ---- search -------------------------------------------------------------------------------------

export type RegistryOp = "=" | "!=" | "LIKE" | "ILIKE" | "IN";

export interface RegistryClause {
  /** An attribute (`name`, `run_id`, `source_path`) or `tag`. */
  field: string;
  /** The tag key, for `tags.<key>` clauses. */
  tagKey?: string;
  op: RegistryOp;
  value: string | string[];
}

/** The attributes each search accepts, with their comparators (as MLflow's SqlAlchemyStore). */
export const modelFilterAttributes: Record<string, readonly RegistryOp[]> = { name: ["=", "!=", "LIKE", "ILIKE"] };
export const versionFilterAttributes: Record<string, readonly RegistryOp[]> = {
  name: ["=", "!=", "LIKE", "ILIKE"],
  run_id: ["=", "!=", "LIKE", "ILIKE", "IN"],
  source_path: ["=", "!=", "LIKE", "ILIKE"],
};
const tagOps: readonly RegistryOp[] = ["=", "!=", "LIKE", "ILIKE"];

const clausePattern =
  /^(?:(attributes?|attr|tags?)\.)?(`[^`]+`|"[^"]+"|[A-Za-z_][\w.:/-]*)\s*(!=|=|(?:ILIKE|LIKE|IN)(?=[\s('(]))\s*([\s\S]*)$/i;
// Single quotes as in SQL; MLflow also takes double-quoted values for registry searches.
const stringPattern = /^'(?:[^']|'')*'$|^"[^"]*"$/;
const listPattern = /^\(\s*('(?:[^']|'')*'(?:\s*,\s*'(?:[^']|'')*')*)\s*\)$/;

/** Splits on AND outside quotes. */
function splitAnd(text: string): string[] {
  const parts: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === "`") {
      quote = c;
    } else if (/\s/.test(c) && /^\s+AND\s+/i.test(text.slice(i))) {
      parts.push(text.slice(start, i));
      i += /^\s+AND\s+/i.exec(text.slice(i))![0].length - 1;
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * MLflow's registry filter syntax, e.g. `name = 'x'`, `name LIKE '%x%'`, `run_id IN ('a', 'b')`,
 * `tags.team = 'growth'`, joined by AND. Strings are quoted ('' escapes a single quote).
 */
export function parseRegistryFilter(filter: string | undefined, attributes: Record<string, readonly RegistryOp[]>): RegistryClause[] {
  const text = (filter ?? "").trim();
  if (!text) return [];
  const fail = (why: string): never => {
    throw invalid(`Invalid filter '${text}': ${why}`);
  };
  return splitAnd(text).map((part) => {
    if (/\sOR\s/i.test(part.replace(/'(?:[^']|'')*'/g, "''"))) fail("OR is not supported; clauses can only be joined by AND.");
    const m = clausePattern.exec(part);
    if (!m) fail(`expected a clause like name = 'my-model', got '${part}'.`);
    const [, prefix, rawKey, rawOp, rawValue] = m as unknown as [string, string | undefined, string, string, string];
    const key = /^[`"]/.test(rawKey) ? rawKey.slice(1, -1) : rawKey;
    const op = rawOp.toUpperCase() as RegistryOp;
    const isTag = prefix !== undefined && /^tags?$/i.test(prefix);
    const allowed = isTag ? tagOps : attributes[key];
    if (!allowed) fail(`Invalid attribute name: ${key}. Valid attributes are ${Object.keys(attributes).join(", ")}, and tags.<key>.`);
    if (!allowed!.includes(op)) fail(`Invalid comparator ${op} for ${isTag ? "tags" : key}: use ${allowed!.join(", ")}.`);
    const unquote = (s: string) => (s.startsWith("'") ? s.slice(1, -1).replaceAll("''", "'") : s.slice(1, -1));
    let value: string | string[];
    if (op === "IN") {
      const list = listPattern.exec(rawValue.trim());
      if (!list) fail(`IN takes a list of quoted strings, like ('a', 'b').`);
      value = list![1]!.match(/'(?:[^']|'')*'/g)!.map(unquote);
    } else {
      if (!stringPattern.test(rawValue.trim())) fail(`${isTag ? `tags.${key}` : key} is compared with a quoted string, like '${op.includes("LIKE") ? "%x%" : "x"}'.`);
      value = unquote(rawValue.trim());
    }
    return isTag ? { field: "tag", tagKey: key, op, value } : { field: key, op, value };
  });
}

export interface RegistryOrderBy {
  key: string;
  ascending: boolean;
}

/** `order_by` entries such as "name DESC" or "last_updated_timestamp"; `keys` maps accepted names to canonical ones. */
export function parseRegistryOrderBy(list: string[], keys: Record<string, string>): RegistryOrderBy[] {
  const seen = new Set<string>();
  return list.map((raw) => {
    const m = /^\s*(?:attributes?\.)?(\w+)(?:\s+(ASC|DESC))?\s*$/i.exec(raw);
    const key = m ? keys[m[1]!] : undefined;
    if (!m || !key) throw invalid(`Invalid order_by clause '${raw}'. Valid keys are ${[...new Set(Object.keys(keys))].join(", ")}, each with an optional ASC or DESC.`);
    if (seen.has(key)) throw invalid(`\`order_by\` contains duplicate fields: ${list.join(", ")}`);
    seen.add(key);
    return { key, ascending: (m[2] ?? "ASC").toUpperCase() === "ASC" };
  });
}

function compare(column: AnyPgColumn, op: RegistryOp, value: string | string[]): SQL {
  switch (op) {
    case "=":
      return eq(column, value as string);
    case "!=":
      return ne(column, value as string);
    case "LIKE":
      return like(column, value as string);
    case "ILIKE":
      return ilike(column, value as string);
    case "IN":
      return (value as string[]).length ? inArray(column, value as string[]) : sql`false`;
  }
}

export interface RegistrySearch {
  projectIds: string[];
  clauses: RegistryClause[];
  orderBy: RegistryOrderBy[];
  offset: number;
  limit: number;
}

const modelOrderColumns: Record<string, AnyPgColumn> = {
  name: registeredModels.name,
  last_updated_timestamp: registeredModels.updatedAt,
  creation_timestamp: registeredModels.createdAt,
};

/** Registered model ids matching the search, ordered, one page plus one (to know whether more follow). */
export async function searchRegisteredModelIds(db: Db, s: RegistrySearch): Promise<string[]> {
  if (!s.projectIds.length) return [];
  const where = [inArray(registeredModels.projectId, s.projectIds)];
  for (const c of s.clauses) {
    if (c.field === "tag") {
      where.push(
        exists(
          db
            .select({ one: sql`1` })
            .from(registeredModelTags)
            .where(and(eq(registeredModelTags.modelId, registeredModels.id), eq(registeredModelTags.key, c.tagKey!), compare(registeredModelTags.value, c.op, c.value))),
        ),
      );
    } else where.push(compare(registeredModels.name, c.op, c.value));
  }
  const order = s.orderBy.map((o) => (o.ascending ? asc : desc)(modelOrderColumns[o.key]!));
  if (!s.orderBy.some((o) => o.key === "name")) order.push(asc(registeredModels.name));
  const rows = await db
    .select({ id: registeredModels.id })
    .from(registeredModels)
    .where(and(...where))
    .orderBy(...order)
    .limit(s.limit + 1)
    .offset(s.offset);
  return rows.map((r) => r.id);
}

const versionOrderColumns: Record<string, AnyPgColumn> = {
  name: registeredModels.name,
  version_number: modelVersions.version,
  creation_timestamp: modelVersions.createdAt,
  last_updated_timestamp: modelVersions.updatedAt,
};
const versionAttributeColumns: Record<string, AnyPgColumn> = {
  name: registeredModels.name,
  run_id: modelVersions.runId,
  source_path: modelVersions.source,
};

/** Model version ids matching the search; ties are broken by name ASC, then version DESC (as MLflow). */
export async function searchModelVersionIds(db: Db, s: RegistrySearch): Promise<string[]> {
  if (!s.projectIds.length) return [];
  const where = [inArray(registeredModels.projectId, s.projectIds)];
  for (const c of s.clauses) {
    if (c.field === "tag") {
      where.push(
        exists(
          db
            .select({ one: sql`1` })
            .from(modelVersionTags)
            .where(and(eq(modelVersionTags.versionId, modelVersions.id), eq(modelVersionTags.key, c.tagKey!), compare(modelVersionTags.value, c.op, c.value))),
        ),
      );
    } else where.push(compare(versionAttributeColumns[c.field]!, c.op, c.value));
  }
  const order = s.orderBy.map((o) => (o.ascending ? asc : desc)(versionOrderColumns[o.key]!));
  if (!s.orderBy.some((o) => o.key === "name")) order.push(asc(registeredModels.name));
  if (!s.orderBy.some((o) => o.key === "version_number")) order.push(desc(modelVersions.version));
  const rows = await db
    .select({ id: modelVersions.id })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .where(and(...where))
    .orderBy(...order)
    .limit(s.limit + 1)
    .offset(s.offset);
  return rows.map((r) => r.id);
}
