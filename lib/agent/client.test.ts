import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { AgentClient, AgentHttpError, backoffDelay, StoppedError, UnauthorizedError } from "./client";

/** A server answering each request with the next of `answers` (status, body), recording the paths. */
async function scripted(answers: Array<[number, unknown]>) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    paths.push(req.url!);
    const [status, body] = answers.shift() ?? [500, {}];
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body)));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const said: string[] = [];
  const client = new AgentClient({
    serverUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: "ferryagent_t",
    retryInitialMs: 5,
    retryMaxMs: 20,
    log: { info: (m) => said.push(m), warn: (m) => said.push(m), error: (m) => said.push(m) },
  });
  return { client, paths, said };
}

const servers: http.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
const never = new AbortController().signal;
const logs = { id: "a".repeat(32), fence: 1, from: 0, lines: ["x"] };

describe("agent HTTP client", () => {
  it("backs off exponentially up to a ceiling, with jitter", () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, 500, 30_000, () => 1))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelay(20, 500, 30_000, () => 0)).toBe(15_000);
  });

  it("retries 5xx and 429, and says once that the server is unreachable", async () => {
    const { client, paths, said } = await scripted([
      [503, {}],
      [429, {}],
      [502, {}],
      [200, { next: 1 }],
    ]);
    expect(await client.logs(logs, never)).toEqual({ next: 1 });
    expect(paths).toEqual(Array(4).fill("/api/agent/v1/logs"));
    expect(said).toEqual([expect.stringContaining("HTTP 503"), expect.stringContaining("answers again")]);
  });

  it("does not retry other 4xx, and passes on the protocol error", async () => {
    const { client, paths } = await scripted([
      [409, { error: { code: "log_gap", message: "expected line 4", next: 4 } }],
      [401, { error: { code: "unauthorized", message: "Unknown agent token" } }],
      [400, "not json at all"],
    ]);
    await expect(client.logs(logs, never)).rejects.toMatchObject({ status: 409, code: "log_gap", next: 4 });
    const refused = await client.logs(logs, never).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnauthorizedError);
    expect(refused).toMatchObject({ message: "Unknown agent token" });
    await expect(client.status({ ...logs, status: "running", at: 1 }, never)).rejects.toBeInstanceOf(AgentHttpError);
    expect(paths).toHaveLength(3);
  });

  it("gives up when its signal aborts", async () => {
    const { client } = await scripted(Array(1000).fill([503, {}]));
    const stop = new AbortController();
    const pending = client.heartbeat({ jobs: [] }, stop.signal);
    stop.abort();
    await expect(pending).rejects.toBeInstanceOf(StoppedError);
  });
});
