// Test support: serves Ferry's MLflow and agent route handlers (and the /api/v1 routes listed
// below) over real HTTP on a free port, so MLflow clients can be pointed at it. It stands in for
// `next start` only in routing: requests reach the same route modules with the path segments Next's
// router would give them (split on "/", each percent-decoded once), and request.url as Next builds
// it (WHATWG-normalised).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";

type RouteModule = Record<string, ((req: Request, ctx: { params: Promise<{ path?: string[] } | Record<string, string>> }) => Promise<Response>) | undefined>;

// `/api/v1` route handlers served here, by their app/ folder pattern ("[x]" binds one segment).
// Loaded on first use, so tests that never call them load nothing more.
const v1Routes: { pattern: string; load: () => Promise<unknown> }[] = [
  { pattern: "projects/[slug]/models", load: () => import("@/app/api/v1/projects/[slug]/models/route") },
  { pattern: "projects/[slug]/models/[name]", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/route") },
  { pattern: "projects/[slug]/models/[name]/versions/[version]", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/versions/[version]/route") },
  { pattern: "projects/[slug]/models/[name]/environments/[env]", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/environments/[env]/route") },
  {
    pattern: "projects/[slug]/models/[name]/environments/[env]/rollback",
    load: () => import("@/app/api/v1/projects/[slug]/models/[name]/environments/[env]/rollback/route"),
  },
  { pattern: "projects/[slug]/models/[name]/gates", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/gates/route") },
  { pattern: "projects/[slug]/models/[name]/promotions", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/promotions/route") },
  { pattern: "projects/[slug]/models/[name]/promotions/[id]", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/promotions/[id]/route") },
  { pattern: "projects/[slug]/models/[name]/promotions/[id]/approve", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/promotions/[id]/approve/route") },
  { pattern: "projects/[slug]/models/[name]/promotions/[id]/reject", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/promotions/[id]/reject/route") },
  { pattern: "projects/[slug]/models/[name]/promotions/[id]/override", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/promotions/[id]/override/route") },
  { pattern: "projects/[slug]/models/[name]/promotions/[id]/withdraw", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/promotions/[id]/withdraw/route") },
  { pattern: "projects/[slug]/models/[name]/ingest-tokens", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/ingest-tokens/route") },
  { pattern: "projects/[slug]/models/[name]/ingest-tokens/[id]", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/ingest-tokens/[id]/route") },
  { pattern: "projects/[slug]/models/[name]/monitoring", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/monitoring/route") },
  { pattern: "monitoring/[project]/[model]/batches", load: () => import("@/app/api/v1/monitoring/[project]/[model]/batches/route") },
  { pattern: "projects/[slug]/models/[name]/alerts", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/alerts/route") },
  { pattern: "projects/[slug]/models/[name]/alerts/[id]/[action]", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/alerts/[id]/[action]/route") },
  { pattern: "projects/[slug]/models/[name]/webhook", load: () => import("@/app/api/v1/projects/[slug]/models/[name]/webhook/route") },
  { pattern: "monitoring/[project]/[model]/labels", load: () => import("@/app/api/v1/monitoring/[project]/[model]/labels/route") },
  { pattern: "monitoring/[project]/[model]/drift", load: () => import("@/app/api/v1/monitoring/[project]/[model]/drift/route") },
  { pattern: "monitoring/[project]/[model]/performance", load: () => import("@/app/api/v1/monitoring/[project]/[model]/performance/route") },
  { pattern: "monitoring/[project]/[model]/distribution", load: () => import("@/app/api/v1/monitoring/[project]/[model]/distribution/route") },
  // Jobs download their dataset version with the run token.
  { pattern: "projects/[slug]/datasets/[name]/versions/[version]/file", load: () => import("@/app/api/v1/projects/[slug]/datasets/[name]/versions/[version]/file/route") },
  { pattern: "health", load: () => import("@/app/api/v1/health/route") },
  { pattern: "health/export", load: () => import("@/app/api/v1/health/export/route") },
];

/** The v1 route whose pattern the (decoded) segments match, with the params Next would pass. */
async function matchV1(segments: string[]): Promise<{ mod: RouteModule; params: Record<string, string> } | null> {
  for (const route of v1Routes) {
    const parts = route.pattern.split("/");
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = parts.every((p, i) => {
      const name = /^\[(\w+)\]$/.exec(p)?.[1];
      if (name) params[name] = segments[i]!;
      return name !== undefined || p === segments[i];
    });
    if (matches) return { mod: (await route.load()) as RouteModule, params };
  }
  return null;
}

export async function startTrackingServer(opts: { port?: number } = {}): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  const tracking = (await import("@/app/api/2.0/mlflow/[...path]/route")) as unknown as RouteModule;
  const artifacts = (await import("@/app/api/2.0/mlflow-artifacts/artifacts/[[...path]]/route")) as unknown as RouteModule;
  const agent = (await import("@/app/api/agent/v1/[...path]/route")) as unknown as RouteModule;
  const server = http.createServer(async (req, res) => {
    try {
      const rawPath = (req.url ?? "/").split("?")[0]!;
      const v1 = /^\/api\/v1\/(.+)$/.exec(rawPath);
      const routed = v1 ? await matchV1(v1[1]!.split("/").map((s) => decodeURIComponent(s))) : null;
      const match = /^\/(?:ajax-)?api\/(?:2\.0\/(mlflow-artifacts\/artifacts|mlflow)|(agent)\/v1)(?:\/(.*))?$/.exec(rawPath);
      const mod = match?.[1] === "mlflow" ? tracking : match?.[2] === "agent" ? agent : match ? artifacts : null;
      const handler = (routed?.mod ?? mod)?.[req.method ?? "GET"];
      if (!handler) {
        res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error_code: "ENDPOINT_NOT_FOUND", message: "not found" }));
        return;
      }
      const segments = match?.[3] ? match[3].split("/").map((s) => decodeURIComponent(s)) : undefined;
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      // As in Next.js, request.signal aborts when the client goes away (ends long polls early).
      const aborter = new AbortController();
      res.on("close", () => aborter.abort());
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
        duplex: "half",
        signal: aborter.signal,
      } as RequestInit);
      const response = await handler(request, { params: Promise.resolve(routed ? routed.params : { path: segments }) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) res.write(chunk);
      res.end();
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    // Like a server that goes away: open connections (long polls included) are cut.
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
