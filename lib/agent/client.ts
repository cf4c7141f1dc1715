import { z } from "zod";
import {
  AGENT_API_PREFIX,
  agentErrorSchema,
  claimResponseSchema,
  heartbeatResponseSchema,
  helloResponseSchema,
  logsResponseSchema,
  type ClaimRequest,
  type HeartbeatRequest,
  type HelloRequest,
  type LogsRequest,
  type StatusRequest,
} from "./protocol";
import type { Logger } from "./logger";

// The agent's side of the HTTP protocol. Network failures, timeouts, 5xx and 429 are retried with
// exponential backoff and jitter until they succeed or the caller gives up (its AbortSignal); any
// other 4xx is an answer and is thrown at once.

/** A refusal by the server (4xx other than 429). */
export class AgentHttpError extends Error {
  constructor(
    readonly status: number,
    /** The protocol error code; a string because a newer server may send codes this agent does not know. */
    readonly code: string,
    message: string,
    readonly next?: number,
  ) {
    super(message);
  }
}

/** HTTP 401: the agent token was revoked or rotated. Retrying cannot help. */
export class UnauthorizedError extends AgentHttpError {}

/** The caller's signal ended the request. */
export class StoppedError extends Error {
  constructor() {
    super("stopped");
  }
}

export interface ClientOptions {
  serverUrl: string;
  token: string;
  retryInitialMs: number;
  retryMaxMs: number;
  log: Logger;
}

const REQUEST_TIMEOUT_MS = 30_000;

/** Delay before retry number `attempt` (0-based): doubling from `initialMs` up to `maxMs`, randomly between half and all of it. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * (0.5 + random() / 2));
}

export class AgentClient {
  /** Whether the last request failed to reach the server: outages are logged once, not per retry. */
  private unreachable = false;

  constructor(private readonly options: ClientOptions) {}

  hello(body: HelloRequest, signal: AbortSignal) {
    return this.post("/hello", body, helloResponseSchema, signal);
  }

  heartbeat(body: HeartbeatRequest, signal: AbortSignal) {
    return this.post("/heartbeat", body, heartbeatResponseSchema, signal);
  }

  /** Long poll: the request may take `waitMs`, so its timeout is longer. */
  claim(body: ClaimRequest, signal: AbortSignal) {
    return this.post("/claim", body, claimResponseSchema, signal, body.waitMs + REQUEST_TIMEOUT_MS);
  }

  async status(body: StatusRequest, signal: AbortSignal): Promise<void> {
    await this.post("/status", body, null, signal);
  }

  logs(body: LogsRequest, signal: AbortSignal) {
    return this.post("/logs", body, logsResponseSchema, signal);
  }

  private async post<S extends z.ZodType>(path: string, body: unknown, schema: S | null, signal: AbortSignal, timeoutMs = REQUEST_TIMEOUT_MS): Promise<z.infer<S>> {
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new StoppedError();
      let failure: string;
      try {
        const response = await fetch(this.options.serverUrl + AGENT_API_PREFIX + path, {
          method: "POST",
          headers: { authorization: `Bearer ${this.options.token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        });
        if (response.ok) {
          this.reachable();
          const json: unknown = await response.json().catch(() => null);
          return (schema ? schema.parse(json) : json) as z.infer<S>;
        }
        if (response.status !== 429 && response.status < 500) {
          this.reachable();
          throw await refusal(response);
        }
        failure = `HTTP ${response.status}`;
      } catch (error) {
        if (error instanceof AgentHttpError) throw error;
        if (signal.aborted) throw new StoppedError();
        if (error instanceof z.ZodError) throw new Error(`unexpected answer to ${path}: ${error.message}`);
        failure = networkReason(error);
      }
      const delay = backoffDelay(attempt, this.options.retryInitialMs, this.options.retryMaxMs);
      if (!this.unreachable) this.options.log.warn(`cannot reach ${this.options.serverUrl} (${path}: ${failure}); retrying with backoff`);
      this.unreachable = true;
      await sleep(delay, signal);
    }
  }

  private reachable() {
    if (this.unreachable) this.options.log.info(`${this.options.serverUrl} answers again`);
    this.unreachable = false;
  }
}

async function refusal(response: Response): Promise<AgentHttpError> {
  const json: unknown = await response.json().catch(() => null);
  const parsed = agentErrorSchema.safeParse(json);
  // A code this agent does not know (say "hello_first") still reaches the caller.
  const loose = json as { error?: { code?: unknown; message?: unknown; next?: unknown } } | null;
  const code = parsed.success ? parsed.data.error.code : typeof loose?.error?.code === "string" ? loose.error.code : "unknown";
  const message = parsed.success ? parsed.data.error.message : typeof loose?.error?.message === "string" ? loose.error.message : response.statusText;
  const next = parsed.success ? parsed.data.error.next : undefined;
  return response.status === 401 ? new UnauthorizedError(401, code, message) : new AgentHttpError(response.status, code, message, next);
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === "TimeoutError") return "timed out";
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}

/** Waits `ms`, or less if `signal` aborts (then throws StoppedError). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new StoppedError());
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      if (signal.aborted) reject(new StoppedError());
      else resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
