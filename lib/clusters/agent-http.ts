import "server-only";
import { NextResponse } from "next/server";
import type { z } from "zod";
import { getDb } from "@/db";
import { SafeError } from "@/lib/actions/safe-error";
import { authorizeAgent } from "@/lib/auth/agent";
import {
  AGENT_PROTOCOL_VERSION,
  claimRequestSchema,
  heartbeatRequestSchema,
  helloRequestSchema,
  logsRequestSchema,
  statusRequestSchema,
  type AgentErrorCode,
} from "@/lib/agent/protocol";
import { agentHeartbeatIntervalMs, agentOfflineAfterMs } from "@/lib/env";
import { LogGapError, StaleClaimError, appendLogs, claim, heartbeat, hello, reportStatus } from "./agent";

// Dispatches /api/agent/v1/<endpoint>. Every endpoint authenticates the agent first; every body is
// parsed with the protocol's zod schemas; errors have one JSON shape (agentErrorSchema).

const MAX_BODY = 4 * 1024 * 1024;

type Handler = (req: { request: Request; body: unknown; db: Awaited<ReturnType<typeof getDb>> }, cluster: Awaited<ReturnType<typeof authorizeAgent>>) => Promise<unknown>;

const endpoints: Record<string, Handler> = {
  hello: async ({ body, db }, cluster) =>
    hello(db, cluster, parse(helloRequestSchema, body), { heartbeatIntervalMs: agentHeartbeatIntervalMs, offlineAfterMs: agentOfflineAfterMs }),
  heartbeat: async ({ body, db }, cluster) => heartbeat(db, cluster, parse(heartbeatRequestSchema, body)),
  claim: async ({ body, db, request }, cluster) => {
    const req = parse(claimRequestSchema, body);
    return { jobs: await claim(db, cluster, req.max, req.waitMs, request.signal) };
  },
  status: async ({ body, db }, cluster) => reportStatus(db, cluster, parse(statusRequestSchema, body)),
  logs: async ({ body, db }, cluster) => appendLogs(db, cluster, parse(logsRequestSchema, body)),
};

function parse<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new SafeError(`Invalid agent message (protocol v${AGENT_PROTOCOL_VERSION}): ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`, 400);
  }
  return parsed.data;
}

function agentError(status: number, code: AgentErrorCode, message: string, extra: Record<string, unknown> = {}) {
  return NextResponse.json({ error: { code, message, ...extra } }, { status });
}

export async function handleAgentRequest(request: Request, path: string[] | undefined): Promise<Response> {
  const endpoint = path?.length === 1 ? endpoints[path[0]!] : undefined;
  if (!endpoint || !Object.hasOwn(endpoints, path![0]!)) return agentError(404, "not_found", `No agent endpoint /${(path ?? []).join("/")} in protocol v${AGENT_PROTOCOL_VERSION}.`);
  if (request.method !== "POST") return agentError(405, "invalid", "Agent endpoints take POST.");
  try {
    const db = await getDb();
    const cluster = await authorizeAgent(db, request);
    const text = await request.text();
    if (Buffer.byteLength(text) > MAX_BODY) return agentError(413, "invalid", "Message too large.");
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return agentError(400, "invalid", "The body is not valid JSON.");
    }
    return NextResponse.json(await endpoint({ request, body, db }, cluster));
  } catch (e) {
    if (e instanceof LogGapError) return agentError(409, "log_gap", e.message, { next: e.next });
    if (e instanceof StaleClaimError) return agentError(409, "stale_claim", e.message);
    if (e instanceof SafeError) return agentError(e.status, e.status === 401 ? "unauthorized" : e.status === 404 ? "not_found" : "invalid", e.message);
    const ref = crypto.randomUUID().slice(0, 8);
    console.error(`[ferry] agent request failed (ref ${ref}):`, e);
    return agentError(500, "internal", `Internal error (ref ${ref}).`);
  }
}
