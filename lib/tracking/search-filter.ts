// The subset of MLflow's run search syntax Ferry understands (mlflow/utils/search_utils.py):
//   metrics.k <op> n · params.k = 'v' · tags.k = 'v' · attributes.status / run_name / start_time / end_time
// joined by AND, plus order_by clauses. Pure: parsing only; lib/tracking/queries.ts turns it into SQL.
import { invalid } from "./errors";

export type EntityKind = "metric" | "param" | "tag" | "attribute";
export type Comparator = "=" | "!=" | ">" | ">=" | "<" | "<=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

export interface Clause {
  kind: EntityKind;
  key: string;
  op: Comparator;
  value: number | string | string[];
}

export interface OrderBy {
  kind: EntityKind;
  key: string;
  ascending: boolean;
}

export const runAttributes = {
  status: "string",
  run_name: "string",
  run_id: "string",
  user_id: "string",
  start_time: "number",
  end_time: "number",
} as const;
export type RunAttribute = keyof typeof runAttributes;

const prefixes: Record<string, EntityKind> = {
  metric: "metric",
  metrics: "metric",
  param: "param",
  params: "param",
  parameter: "param",
  parameters: "param",
  tag: "tag",
  tags: "tag",
  attribute: "attribute",
  attributes: "attribute",
  attr: "attribute",
  run: "attribute",
};

const attributeAliases: Record<string, RunAttribute> = {
  status: "status",
  run_name: "run_name",
  runName: "run_name",
  run_id: "run_id",
  run_uuid: "run_id",
  user_id: "user_id",
  start_time: "start_time",
  end_time: "end_time",
  created: "start_time",
  Created: "start_time",
};

type Token = { type: "ident" | "string" | "number" | "op" | "and" | "lparen" | "rparen" | "comma"; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      const end = input.indexOf(c, i + 1);
      if (end < 0) throw invalid(`Invalid filter '${input}': unterminated ${c === "`" ? "backtick" : "quote"}.`);
      const text = input.slice(i + 1, end);
      // Backticked and double-quoted text is part of an identifier (metrics.`my key`); single quotes are values.
      if (c === "'") tokens.push({ type: "string", text });
      else appendIdent(tokens, text, true);
      i = end + 1;
      continue;
    }
    const op = /^(!=|>=|<=|=|>|<)/.exec(input.slice(i));
    if (op) {
      tokens.push({ type: "op", text: op[1]! });
      i += op[1]!.length;
      continue;
    }
    if (c === "(" || c === ")" || c === ",") {
      tokens.push({ type: c === "(" ? "lparen" : c === ")" ? "rparen" : "comma", text: c });
      i++;
      continue;
    }
    const num = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?(?![\w.])/i.exec(input.slice(i));
    if (num && !lastIsDot(tokens)) {
      tokens.push({ type: "number", text: num[0] });
      i += num[0].length;
      continue;
    }
    const word = /^[\w.:/-]+/.exec(input.slice(i));
    if (!word) throw invalid(`Invalid filter '${input}': unexpected character '${c}'.`);
    const upper = word[0].toUpperCase();
    if (upper === "AND") tokens.push({ type: "and", text: "AND" });
    else if (upper === "OR") throw invalid(`Invalid filter '${input}': OR is not supported; clauses can only be joined by AND.`);
    else if (upper === "LIKE" || upper === "ILIKE" || upper === "IN") tokens.push({ type: "op", text: upper });
    else if (upper === "NOT" && /^\s*IN\b/i.test(input.slice(i + 3))) {
      const m = /^NOT\s*IN/i.exec(input.slice(i))!;
      tokens.push({ type: "op", text: "NOT IN" });
      i += m[0].length;
      continue;
    } else appendIdent(tokens, word[0], false);
    i += word[0].length;
  }
  return tokens;
}

function lastIsDot(tokens: Token[]) {
  const last = tokens.at(-1);
  return last?.type === "ident" && last.text.endsWith(".");
}

/** `metrics.` followed by a backticked name joins into one identifier token. */
function appendIdent(tokens: Token[], text: string, quoted: boolean) {
  const last = tokens.at(-1);
  if (quoted && last?.type === "ident" && last.text.endsWith(".")) last.text += `\u0000${text}`;
  else tokens.push({ type: "ident", text: quoted ? `\u0000${text}` : text });
}

function splitIdentifier(raw: string, context: string): { kind: EntityKind; key: string } {
  const quotedAt = raw.indexOf("\u0000");
  let prefix: string | null;
  let key: string;
  if (quotedAt >= 0) {
    prefix = quotedAt === 0 ? null : raw.slice(0, quotedAt - 1);
    key = raw.slice(quotedAt + 1);
  } else {
    const dot = raw.indexOf(".");
    prefix = dot < 0 ? null : raw.slice(0, dot);
    key = dot < 0 ? raw : raw.slice(dot + 1);
  }
  const kind = prefix === null ? "attribute" : prefixes[prefix];
  if (!kind) {
    throw invalid(
      `Invalid entity type '${prefix}' in '${context}'. Valid values are metrics, params, tags and attributes (e.g. metrics.accuracy > 0.9).`,
    );
  }
  if (!key) throw invalid(`Invalid identifier '${raw.replace("\u0000", "")}' in '${context}': the key is missing.`);
  if (kind === "attribute") {
    const attr = attributeAliases[key];
    if (!attr) throw invalid(`Invalid attribute key '${key}' in '${context}'. Valid attributes are ${Object.keys(runAttributes).join(", ")}.`);
    key = attr;
  }
  return { kind, key };
}

const numericOps = new Set(["=", "!=", ">", ">=", "<", "<="]);
const stringOps = new Set(["=", "!=", "LIKE", "ILIKE"]);

export function parseFilter(filter: string | undefined | null): Clause[] {
  const text = (filter ?? "").trim();
  if (!text) return [];
  const tokens = tokenize(text);
  const clauses: Clause[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw invalid(`Invalid filter '${text}': ${why}`);
  };
  while (i < tokens.length) {
    const ident = tokens[i++];
    const op = tokens[i++];
    if (ident?.type !== "ident") fail(`expected an identifier such as metrics.accuracy, got '${ident?.text ?? "end of input"}'.`);
    if (op?.type !== "op") fail(`expected a comparison after '${ident!.text.replace("\u0000", "")}'.`);
    const { kind, key } = splitIdentifier(ident!.text, text);
    const comparator = op!.text as Comparator;
    let value: Clause["value"];
    if (comparator === "IN" || comparator === "NOT IN") {
      if (tokens[i++]?.type !== "lparen") fail(`expected '(' after ${comparator}.`);
      const list: string[] = [];
      while (tokens[i] && tokens[i]!.type !== "rparen") {
        const t = tokens[i++]!;
        if (t.type !== "string") fail(`IN lists take quoted strings, like ('FINISHED', 'FAILED').`);
        list.push(t.text);
        if (tokens[i]?.type === "comma") i++;
      }
      if (tokens[i++]?.type !== "rparen") fail(`missing ')'.`);
      if (kind !== "attribute" || (key !== "status" && key !== "run_id")) fail(`IN is only supported on attributes.status and attributes.run_id.`);
      value = list;
    } else {
      const v = tokens[i++];
      if (!v || (v.type !== "string" && v.type !== "number")) fail(`expected a value after '${comparator}'.`);
      value = v!.type === "number" ? Number(v!.text) : v!.text;
    }
    checkClause({ kind, key, op: comparator, value }, text);
    clauses.push({ kind, key, op: comparator, value });
    if (i < tokens.length && tokens[i++]?.type !== "and") fail(`clauses must be joined by AND.`);
    if (i === tokens.length && tokens.at(-1)?.type === "and") fail(`nothing after the last AND.`);
  }
  return clauses;
}

function checkClause(c: Clause, text: string) {
  const numeric = c.kind === "metric" || (c.kind === "attribute" && runAttributes[c.key as RunAttribute] === "number");
  if (c.op === "IN" || c.op === "NOT IN") return;
  if (numeric) {
    if (!numericOps.has(c.op)) throw invalid(`Invalid comparator '${c.op}' in '${text}': ${describe(c)} takes =, !=, >, >=, <, <=.`);
    if (typeof c.value !== "number") throw invalid(`Invalid filter '${text}': ${describe(c)} is compared with a number, not a string.`);
  } else {
    if (!stringOps.has(c.op)) throw invalid(`Invalid comparator '${c.op}' in '${text}': ${describe(c)} takes =, !=, LIKE, ILIKE.`);
    if (typeof c.value !== "string") throw invalid(`Invalid filter '${text}': ${describe(c)} is compared with a quoted string, like '0.01'.`);
  }
}

function describe(c: Clause) {
  return c.kind === "attribute" ? `attributes.${c.key}` : `${c.kind}s.${c.key}`;
}

export function parseOrderBy(orderBy: string[] | undefined | null): OrderBy[] {
  return (orderBy ?? []).map((raw) => {
    const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(raw);
    if (!m) throw invalid(`Invalid order_by clause '${raw}'.`);
    const tokens = tokenize(m[1]!);
    if (tokens.length !== 1 || tokens[0]!.type !== "ident") throw invalid(`Invalid order_by clause '${raw}': expected e.g. "metrics.accuracy DESC".`);
    const { kind, key } = splitIdentifier(tokens[0]!.text, raw);
    return { kind, key, ascending: (m[2] ?? "ASC").toUpperCase() === "ASC" };
  });
}

/** Opaque page tokens: the offset into the ordered result. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString("base64url");
}

export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString()) as { offset?: unknown };
    if (typeof offset === "number" && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through
  }
  throw invalid(`Invalid page_token '${token}'.`);
}
