import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import nodePath from "node:path";
import type { z } from "zod";
import {
  AGENT_API_PREFIX,
  claimRequestSchema,
  heartbeatRequestSchema,
  helloRequestSchema,
  logsRequestSchema,
  statusRequestSchema,
  type AgentErrorCode,
  type ClaimedJob,
  type HelloRequest,
  type JobRef,
  type JobVerdict,
  type StatusRequest,
} from "./protocol";

// Test support: an in-memory Ferry speaking the agent protocol, strict about what it receives
// (every request is parsed with the protocol schemas) and recording everything, so tests can check
// that each log line arrived once, in order, and that statuses came as they should.

export interface FakeJob {
  claimed: ClaimedJob;
  /** The current fence; takeOver() moves it on, as a server does when a claim is taken over. */
  fence: number;
  statuses: StatusRequest[];
  lines: string[];
  /** How many times each line number was sent. */
  sends: number[];
  /** Resent lines whose text differed from the first copy: must stay empty. */
  mismatches: string[];
}

let nextFence = 1;

export class FakeServer {
  token = "ferryagent_test";
  heartbeatIntervalMs = 200;
  readonly jobs = new Map<string, FakeJob>();
  readonly queue: ClaimedJob[] = [];
  /** Verdicts to hand out for jobs an agent lists; default: keep a job with the current fence, forget others. */
  readonly verdicts = new Map<string, JobVerdict>();
  readonly hellos: HelloRequest[] = [];
  /** Requests that did not parse: must stay empty. */
  readonly invalid: string[] = [];
  heartbeats = 0;
  /** Accept this many status and log reports but drop the connection instead of answering (lost acks). */
  dropAnswers = 0;
  private port = 0;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(this.port, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops answering (an outage); listen() again reopens on the same port, state intact. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  enqueue(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
    const id = randomBytes(16).toString("hex");
    const claimed: ClaimedJob = {
      id,
      fence: nextFence++,
      name: `job-${id.slice(0, 6)}`,
      projectSlug: "demo",
      experimentId: "1",
      command: "echo hello",
      params: {},
      gpus: { type: null, count: 0, indices: [] },
      code: null,
      dataset: null,
      runToken: "ferryrun_test",
      ...overrides,
    };
    this.jobs.set(id, { claimed, fence: claimed.fence, statuses: [], lines: [], sends: [], mismatches: [] });
    this.queue.push(claimed);
    return claimed;
  }

  job(id: string): FakeJob {
    return this.jobs.get(id)!;
  }

  takeOver(id: string): void {
    this.job(id).fence = nextFence++;
  }

  private verdict(ref: JobRef): JobVerdict {
    const job = this.jobs.get(ref.id);
    return this.verdicts.get(ref.id) ?? (job && job.fence === ref.fence ? "keep" : "forget");
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? "").replace(AGENT_API_PREFIX, "");
    const send = (status: number, body: unknown) => {
      if (res.destroyed) return;
      if (status === 200 && (path === "/logs" || path === "/status") && this.dropAnswers > 0) {
        this.dropAnswers--;
        return void res.socket?.destroy();
      }
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    const refuse = (status: number, code: AgentErrorCode, message: string, next?: number) => send(status, { error: { code, message, next } });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.headers.authorization !== `Bearer ${this.token}`) return refuse(401, "unauthorized", "Unknown agent token");
    const body: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
    const parse = <S extends z.ZodType>(schema: S): z.infer<S> | null => {
      const parsed = schema.safeParse(body);
      if (parsed.success) return parsed.data;
      this.invalid.push(`${path}: ${parsed.error.message}`);
      refuse(400, "invalid", parsed.error.message);
      return null;
    };
    switch (path) {
      case "/hello": {
        const hello = parse(helloRequestSchema);
        if (!hello) return;
        this.hellos.push(hello);
        const verdicts = Object.fromEntries(hello.jobs.map((j) => [j.id, this.verdict(j)]));
        return send(200, { clusterId: "c1", clusterName: "test-cluster", heartbeatIntervalMs: this.heartbeatIntervalMs, offlineAfterMs: 60_000, verdicts });
      }
      case "/heartbeat": {
        const beat = parse(heartbeatRequestSchema);
        if (!beat) return;
        this.heartbeats++;
        return send(200, { verdicts: Object.fromEntries(beat.jobs.map((j) => [j.id, this.verdict(j)])) });
      }
      case "/claim": {
        const claim = parse(claimRequestSchema);
        if (!claim) return;
        const deadline = Date.now() + claim.waitMs;
        while (this.queue.length === 0 && Date.now() < deadline && !res.destroyed) await new Promise((r) => setTimeout(r, 20));
        return send(200, { jobs: this.queue.splice(0, claim.max) });
      }
      case "/status": {
        const report = parse(statusRequestSchema);
        if (!report) return;
        const job = this.jobs.get(report.id);
        if (!job) return refuse(404, "not_found", "no such job");
        if (job.fence !== report.fence) return refuse(409, "stale_claim", "the claim was taken over");
        // Idempotent: the same report twice counts once. After the end, nothing else is taken.
        if (job.statuses.some((s) => JSON.stringify(s) === JSON.stringify(report))) return send(200, {});
        if (ended(job)) return refuse(409, "stale_claim", "the job has ended");
        job.statuses.push(report);
        return send(200, {});
      }
      case "/logs": {
        const logs = parse(logsRequestSchema);
        if (!logs) return;
        const job = this.jobs.get(logs.id);
        if (!job) return refuse(404, "not_found", "no such job");
        if (job.fence !== logs.fence || ended(job)) return refuse(409, "stale_claim", "the claim was taken over or the job has ended");
        if (logs.from > job.lines.length) return refuse(409, "log_gap", `expected line ${job.lines.length}`, job.lines.length);
        logs.lines.forEach((line, i) => {
          const n = logs.from + i;
          job.sends[n] = (job.sends[n] ?? 0) + 1;
          if (n < job.lines.length && job.lines[n] !== line) job.mismatches.push(`line ${n}: ${JSON.stringify(job.lines[n])} then ${JSON.stringify(line)}`);
          if (n === job.lines.length) job.lines.push(line);
        });
        return send(200, { next: job.lines.length });
      }
      default:
        return refuse(404, "not_found", `no route ${path}`);
    }
  }
}

const ended = (job: FakeJob) => job.statuses.some((s) => s.status !== "running");

/** Waits until `check` holds (polling); fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * A job that prints "line 1".."line N" in stages: up to counts[0], then after gates[0] exists up to
 * counts[1], and so on; then a last line without newline. Tests open the gates to move it on.
 */
export function gatedJob(gates: string[], counts: number[]): { command: string; expected: string[] } {
  const upTo = (n: number) => `while [ $i -le ${n} ]; do echo "line $i"; i=$((i+1)); done`;
  const stages = gates.map((gate, k) => `while [ ! -e '${gate}' ]; do sleep 0.05; done\n${upTo(counts[k + 1]!)}`);
  const command = ["i=1", upTo(counts[0]!), ...stages, "printf 'the end, without newline'"].join("\n");
  const last = counts.at(-1)!;
  return { command, expected: [...Array.from({ length: last }, (_, i) => `line ${i + 1}`), "the end, without newline"] };
}

const madeDirs: string[] = [];

/** A fresh directory under the system's temp dir, removed by removeTempDirs(). */
export function tempDir(prefix = "ferry-agent-"): string {
  const dir = mkdtempSync(nodePath.join(os.tmpdir(), prefix));
  madeDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of madeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
