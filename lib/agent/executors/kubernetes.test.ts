import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { readFile, stat, truncate } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClaimedJob, ClusterSettings } from "../protocol";
import { createKubernetesExecutor, CURL_IMAGE, GIT_IMAGE, parseQuantity } from "./kubernetes";
import { JobStartError, type Executor, type JobHandle } from "./types";

// No Kubernetes API server can run on the machines this project is tested on. These tests run the
// executor, through the real @kubernetes/client-node, against an HTTP server that answers the REST
// paths the client calls with objects built from the Kubernetes v1.31 API reference
// (fixtures/kubernetes/, each citing its section), and records every request.

const RUN = "0123456789abcdef0123456789abcdef";
const NAME = `ferry-${RUN}`;
const NS = "ml";
const REF = `${NS}/${NAME}`;
const JOB_UID = "5b0f3c2e-8a41-4d6b-9c7e-2f1a6d9e4b10";
const FIXTURES = path.join(import.meta.dirname, "fixtures", "kubernetes");
const never = new AbortController().signal;

type Json = Record<string, unknown>;

function fixture(name: string): Json {
  const value = JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), "utf8")) as Json;
  delete value._source;
  return value;
}

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  contentType: string | undefined;
  authorization: string | undefined;
}

/** Answers the Kubernetes REST paths the executor's client calls, from what the test put here. */
class FakeApiServer {
  requests: Recorded[] = [];
  jobs = new Map<string, Json>();
  secrets = new Map<string, Json>();
  pods: Json[] = [];
  nodes: Json = fixture("nodes");
  /** Log lines per container, as the kubelet writes them with timestamps=true. */
  logs = new Map<string, string>();
  /** "METHOD /path" → the error answer to give instead, once (a Status fixture). */
  refusals = new Map<string, Json>();
  private server = http.createServer((req, res) => void this.handle(req, res));
  url = "";

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  reset(): void {
    this.requests = [];
    this.jobs.clear();
    this.secrets.clear();
    this.pods = [];
    this.nodes = fixture("nodes");
    this.logs.clear();
    this.refusals.clear();
  }

  /** Requests other than reads, in order: "POST /api/v1/…". */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url!, "http://localhost");
    const method = req.method!;
    this.requests.push({
      method,
      path: url.pathname,
      query: url.searchParams,
      body: text ? JSON.parse(text) : undefined,
      contentType: req.headers["content-type"],
      authorization: req.headers.authorization,
    });
    const refusal = this.refusals.get(`${method} ${url.pathname}`);
    this.refusals.delete(`${method} ${url.pathname}`);
    if (refusal) return send(res, refusal.code as number, refusal);
    const answer = this.route(method, url, text ? (JSON.parse(text) as Json) : undefined);
    if (typeof answer.body === "string") {
      res.writeHead(answer.status, { "content-type": "text/plain" });
      res.end(answer.body);
    } else send(res, answer.status, answer.body);
  }

  private route(method: string, url: URL, body: Json | undefined): { status: number; body: unknown } {
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (method === "GET" && p === "/api/v1/nodes") return { status: 200, body: this.nodes };
    if ((m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(p))) {
      const name = m[2];
      if (method === "POST") {
        const created = withMeta(body!, "secret-uid");
        this.secrets.set((created.metadata as Json).name as string, created);
        return { status: 201, body: created };
      }
      if (!name || !this.secrets.has(name)) return { status: 404, body: fixture("status-404-secret") };
      if (method === "PATCH") return { status: 200, body: this.secrets.get(name) };
      if (method === "DELETE") {
        this.secrets.delete(name);
        return { status: 200, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details: { name, kind: "secrets" } } };
      }
    }
    if ((m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(p))) {
      const name = m[2];
      if (method === "POST") {
        const created = withMeta(body!, JOB_UID);
        this.jobs.set((created.metadata as Json).name as string, created);
        return { status: 201, body: created };
      }
      const job = name ? this.jobs.get(name) : undefined;
      if (!job) return { status: 404, body: fixture("status-404-job") };
      if (method === "GET") return { status: 200, body: job };
      if (method === "DELETE") {
        // Deleted at once here; a real foreground deletion keeps the Job until its pod is gone.
        this.jobs.delete(name!);
        return { status: 200, body: { ...job, metadata: { ...(job.metadata as Json), deletionTimestamp: "2024-09-02T10:05:00Z", finalizers: ["foregroundDeletion"] } } };
      }
    }
    if (method === "GET" && (m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p))) {
      const [key, value] = (url.searchParams.get("labelSelector") ?? "").split("=");
      const items = this.pods.filter((pod) => ((pod.metadata as Json).labels as Record<string, string>)[key!] === value);
      return { status: 200, body: { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: "48300" }, items } };
    }
    if (method === "GET" && (m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p))) {
      const container = url.searchParams.get("container") ?? "";
      const since = url.searchParams.get("sinceTime");
      // The kubelet's filter: lines at or after sinceTime, which has whole seconds.
      const lines = (this.logs.get(container) ?? "").split(/(?<=\n)/).filter((line) => line && (!since || line.slice(0, 19) >= since.slice(0, 19)));
      return { status: 200, body: lines.join("") };
    }
    return { status: 404, body: { kind: "Status", apiVersion: "v1", status: "Failure", message: `no route for ${method} ${p}`, reason: "NotFound", code: 404 } };
  }
}

function withMeta(body: Json, uid: string): Json {
  return { ...body, metadata: { ...(body.metadata as Json), uid, resourceVersion: "48213", creationTimestamp: "2024-09-02T10:00:00Z" } };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

const api = new FakeApiServer();
const roots: string[] = [];
let workRoot = "";
let executor: Executor;

function kubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "fixture", server: api.url, skipTLSVerify: true }],
    users: [{ name: "ferry-agent", token: "kube-token" }],
    contexts: [{ name: "fixture", cluster: "fixture", user: "ferry-agent" }],
    currentContext: "fixture",
  });
  return config;
}

function newExecutor(settings: ClusterSettings = { namespace: NS, image: "python:3.12-slim" }): Executor {
  const made = createKubernetesExecutor({ serverUrl: "https://ferry.example.com", workRoot, kubeConfig: kubeConfig(), minPollMs: 0 });
  made.configure(settings);
  return made;
}

function claimed(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  return {
    id: RUN,
    fence: 1,
    name: "lr-sweep-3",
    projectSlug: "demo",
    experimentId: "17",
    command: "python train.py --lr 0.01",
    params: { lr: "0.01" },
    gpus: { type: null, count: 0, indices: [] },
    code: null,
    dataset: null,
    runToken: "ferryrun_secret",
    ...overrides,
  };
}

function handle(): JobHandle {
  return { ...executor.locate(RUN), ref: REF };
}

/** The Job and its pod as the API server would show them. */
function given(job: string | null, pod: string | null): void {
  api.jobs.clear();
  if (job) api.jobs.set(NAME, fixture(job));
  api.pods = pod ? [fixture(pod)] : [];
}

beforeAll(() => api.listen());
afterAll(async () => {
  await api.close();
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  api.reset();
  workRoot = mkdtempSync(path.join(os.tmpdir(), "ferry-k8s-"));
  roots.push(workRoot);
  executor = newExecutor();
});
afterEach(() => api.reset());

describe("Kubernetes executor against API fixtures (no API server can run on this machine; objects from the v1.31 API reference)", () => {
  describe("start: the Secret and the Job sent", () => {
    it("sends a Job with the GPU limit, node affinity on the type's product labels, the env with the token from the Secret, and init containers for git and the dataset", async () => {
      await executor.inventory();
      const job = claimed({
        gpus: { type: "a100", count: 2, indices: [] },
        code: { repo: "https://git.example.com/acme/train.git", commit: "4f2a9c1" },
        dataset: { uri: "ferry://demo/iris/3", downloadPath: "/api/v1/projects/demo/datasets/iris/versions/3/download", fileName: "iris.csv" },
        settings: { namespace: NS, image: "python:3.12-slim" },
      });
      const started = await executor.start(job, executor.locate(RUN), never);

      expect(started.ref).toBe(REF);
      expect(api.writes()).toEqual([`POST /api/v1/namespaces/${NS}/secrets`, `POST /apis/batch/v1/namespaces/${NS}/jobs`, `PATCH /api/v1/namespaces/${NS}/secrets/${NAME}`]);
      expect(api.requests.every((r) => r.authorization === "Bearer kube-token")).toBe(true);
      const labels = { "app.kubernetes.io/managed-by": "ferry-agent", "ferry.dev/run-id": RUN };
      const [secret, created, patch] = api.requests.filter((r) => r.method !== "GET");
      expect(secret!.body).toEqual({ apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: NAME, namespace: NS, labels }, stringData: { "run-token": "ferryrun_secret" } });
      expect(patch!.contentType).toBe("application/merge-patch+json");
      expect(patch!.body).toEqual({ metadata: { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: NAME, uid: JOB_UID }] } });
      const token = { secretKeyRef: { name: NAME, key: "run-token" } };
      expect(created!.body).toEqual({
        apiVersion: "batch/v1",
        kind: "Job",
        metadata: { name: NAME, namespace: NS, labels, annotations: { "ferry.dev/run-name": "lr-sweep-3", "ferry.dev/project": "demo" } },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: "Never",
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              initContainers: [
                {
                  name: "clone",
                  image: GIT_IMAGE,
                  command: ["sh", "-c", expect.stringContaining('git clone --quiet -- "$FERRY_GIT_REPO" /workspace/code')],
                  env: [
                    { name: "FERRY_GIT_REPO", value: "https://git.example.com/acme/train.git" },
                    { name: "FERRY_GIT_COMMIT", value: "4f2a9c1" },
                    { name: "GIT_TERMINAL_PROMPT", value: "0" },
                  ],
                  volumeMounts: [{ name: "workspace", mountPath: "/workspace" }],
                },
                {
                  name: "dataset",
                  image: CURL_IMAGE,
                  command: ["sh", "-c", expect.stringContaining('--header "Authorization: Bearer $FERRY_RUN_TOKEN"')],
                  env: [
                    { name: "FERRY_RUN_TOKEN", valueFrom: token },
                    { name: "FERRY_DATASET_URL", value: "https://ferry.example.com/api/v1/projects/demo/datasets/iris/versions/3/download" },
                    { name: "FERRY_DATASET_FILE", value: "iris.csv" },
                  ],
                  volumeMounts: [{ name: "data", mountPath: "/data" }],
                },
              ],
              containers: [
                {
                  name: "run",
                  image: "python:3.12-slim",
                  command: ["sh", "-c", "python train.py --lr 0.01"],
                  env: [
                    { name: "MLFLOW_TRACKING_URI", value: "https://ferry.example.com" },
                    { name: "MLFLOW_RUN_ID", value: RUN },
                    { name: "MLFLOW_EXPERIMENT_ID", value: "17" },
                    { name: "MLFLOW_TRACKING_TOKEN", valueFrom: token },
                    { name: "FERRY_PARAMS", value: '{"lr":"0.01"}' },
                    { name: "FERRY_RUN_NAME", value: "lr-sweep-3" },
                    { name: "FERRY_DATASET_URI", value: "ferry://demo/iris/3" },
                    { name: "FERRY_DATASET_PATH", value: "/data/iris.csv" },
                  ],
                  workingDir: "/workspace/code",
                  volumeMounts: [
                    { name: "workspace", mountPath: "/workspace" },
                    { name: "data", mountPath: "/data" },
                  ],
                  resources: { limits: { "nvidia.com/gpu": "2" } },
                },
              ],
              volumes: [
                { name: "workspace", emptyDir: {} },
                { name: "data", emptyDir: {} },
              ],
              affinity: {
                nodeAffinity: {
                  requiredDuringSchedulingIgnoredDuringExecution: {
                    nodeSelectorTerms: [{ matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: ["NVIDIA-A100-SXM4-40GB", "NVIDIA-A100-SXM4-80GB"] }] }],
                  },
                },
              },
              tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
            },
          },
        },
      });
      // The token travels only in the Secret.
      expect(JSON.stringify(created!.body)).not.toContain("ferryrun_secret");
      const record = JSON.parse(await readFile(path.join(executor.locate(RUN).workDir, "kubernetes.json"), "utf8"));
      expect(record).toEqual({ namespace: NS, name: NAME });
    });

    it("runs an image run in its own image, with no GPU: no limit, no affinity, and NVIDIA_VISIBLE_DEVICES=void", async () => {
      await executor.start(claimed({ code: { image: "registry.example.com/ml/train:2.1" } }), executor.locate(RUN), never);
      const job = api.requests.find((r) => r.method === "POST" && r.path.endsWith("/jobs"))!.body as Json;
      const pod = ((job.spec as Json).template as Json).spec as Json;
      const [main] = pod.containers as Json[];
      expect(main!.image).toBe("registry.example.com/ml/train:2.1");
      expect(main!.resources).toBeUndefined();
      expect(main!.workingDir).toBeUndefined();
      expect(pod.affinity).toBeUndefined();
      expect(pod.initContainers).toBeUndefined();
      expect((main!.env as Json[]).at(-1)).toEqual({ name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
      expect((main!.env as Json[]).map((e) => e.name)).not.toContain("PATH");
    });

    it("asks for the nodes itself when start comes before any inventory", async () => {
      await executor.start(claimed({ gpus: { type: "a100", count: 1, indices: [] } }), executor.locate(RUN), never);
      expect(api.requests.map((r) => `${r.method} ${r.path}`)[0]).toBe("GET /api/v1/nodes");
      expect(api.writes()).toContain(`POST /apis/batch/v1/namespaces/${NS}/jobs`);
    });

    it("keeps a repository URL with credentials in the Secret, not in the Job", async () => {
      const repo = "https://oauth2:glpat-abc@git.example.com/acme/train.git";
      await executor.start(claimed({ code: { repo, commit: "main" } }), executor.locate(RUN), never);
      const [secret, job] = api.requests.filter((r) => r.method === "POST");
      expect((secret!.body as Json).stringData).toEqual({ "run-token": "ferryrun_secret", "git-repo": repo });
      expect(JSON.stringify(job!.body)).not.toContain("glpat-abc");
    });

    it("replaces the Secret and Job left by an earlier attempt of the same run", async () => {
      api.secrets.set(NAME, { apiVersion: "v1", kind: "Secret", metadata: { name: NAME, namespace: NS } });
      api.jobs.set(NAME, fixture("job-active"));
      api.refusals.set(`POST /api/v1/namespaces/${NS}/secrets`, fixture("status-409-secret"));
      await executor.start(claimed(), executor.locate(RUN), never);
      expect(api.writes()).toEqual([
        `POST /api/v1/namespaces/${NS}/secrets`,
        `DELETE /apis/batch/v1/namespaces/${NS}/jobs/${NAME}`,
        `DELETE /api/v1/namespaces/${NS}/secrets/${NAME}`,
        `POST /api/v1/namespaces/${NS}/secrets`,
        `POST /apis/batch/v1/namespaces/${NS}/jobs`,
        `PATCH /api/v1/namespaces/${NS}/secrets/${NAME}`,
      ]);
    });
  });

  describe("start: refusals", () => {
    it("refuses a run without an image when the cluster has no default image, before calling the API", async () => {
      executor.configure({ namespace: NS });
      const attempt = executor.start(claimed({ code: { repo: "https://git.example.com/acme/train.git", commit: "main" } }), executor.locate(RUN), never);
      await expect(attempt).rejects.toThrow(JobStartError);
      await expect(attempt).rejects.toThrow("this cluster has no default container image for runs launched with a git repository: set a default image on the cluster's page in Ferry");
      expect(api.requests).toEqual([]);
    });

    it("refuses a GPU type no schedulable node has (the H100 node is cordoned)", async () => {
      await executor.inventory();
      const attempt = executor.start(claimed({ gpus: { type: "h100", count: 1, indices: [] } }), executor.locate(RUN), never);
      await expect(attempt).rejects.toThrow(JobStartError);
      await expect(attempt).rejects.toThrow('no schedulable node of this cluster has GPUs of type "h100" (types found from the nvidia.com/gpu.product labels: a100)');
      expect(api.writes()).toEqual([]);
    });

    it("refuses with the API server's message when RBAC forbids creating the Job, and deletes the Secret it made", async () => {
      api.refusals.set(`POST /apis/batch/v1/namespaces/${NS}/jobs`, fixture("status-403-create-job"));
      const attempt = executor.start(claimed(), executor.locate(RUN), never);
      await expect(attempt).rejects.toThrow(JobStartError);
      await expect(attempt).rejects.toThrow(
        `Kubernetes did not create the Job ${NAME}: jobs.batch is forbidden: User "system:serviceaccount:ferry:ferry-agent" cannot create resource "jobs" in API group "batch" in the namespace "ml"`,
      );
      expect(api.writes()).toEqual([`POST /api/v1/namespaces/${NS}/secrets`, `POST /apis/batch/v1/namespaces/${NS}/jobs`, `DELETE /api/v1/namespaces/${NS}/secrets/${NAME}`]);
      expect(api.secrets.size).toBe(0);
    });

    it("refuses with the API server's message when the Job is invalid (422)", async () => {
      api.refusals.set(`POST /apis/batch/v1/namespaces/${NS}/jobs`, fixture("status-422-invalid-job"));
      await expect(executor.start(claimed(), executor.locate(RUN), never)).rejects.toThrow(
        `Kubernetes did not create the Job ${NAME}: Job.batch "${NAME}" is invalid: spec.template.spec.containers[0].resources.limits[nvidia.com/gpu]: Invalid value: "1.5": must be an integer`,
      );
    });
  });

  describe("poll: status mapping", () => {
    it("an unschedulable pod is pending with the scheduler's reason", async () => {
      given("job-active", "pod-unschedulable");
      expect(await executor.poll(handle())).toEqual({
        state: "pending",
        scheduler: {
          jobId: REF,
          state: "Pending",
          reason: "Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
        },
      });
    });

    it("an image pull back-off stays pending with the kubelet's reason", async () => {
      given("job-active", "pod-image-pull-backoff");
      expect(await executor.poll(handle())).toEqual({
        state: "pending",
        scheduler: { jobId: REF, state: "Pending", reason: 'ImagePullBackOff: Back-off pulling image "registry.example.com/ml/train:2.1"' },
      });
      expect(api.writes()).toEqual([]);
    });

    it("a pod whose git clone runs is pending, saying so", async () => {
      given("job-active", "pod-init-clone-running");
      api.logs.set("clone", "2024-09-02T10:00:05Z Cloning into '/workspace/code'...\n");
      expect(await executor.poll(handle())).toEqual({ state: "pending", scheduler: { jobId: REF, state: "Pending", reason: "fetching the code (init container clone)" } });
      expect(await readFile(handle().logFile, "utf8")).toBe("Cloning into '/workspace/code'...\n");
    });

    it("a Job with no pod yet is pending", async () => {
      given("job-active", null);
      expect(await executor.poll(handle())).toEqual({ state: "pending", scheduler: { jobId: REF, state: "Pending", reason: "waiting for Kubernetes to create the Job's pod" } });
    });

    it("a running pod is running", async () => {
      given("job-active", "pod-running");
      expect(await executor.poll(handle())).toEqual({ state: "running", scheduler: { jobId: REF, state: "Running", reason: null } });
    });

    it("looks at a job at most once per minPollMs (three API calls a look), however often the runner polls", async () => {
      given("job-active", "pod-running");
      const throttled = createKubernetesExecutor({ serverUrl: "https://ferry.example.com", workRoot, kubeConfig: kubeConfig(), minPollMs: 60_000 });
      throttled.configure({ namespace: NS });
      api.requests = [];
      const first = await throttled.poll(handle());
      const calls = api.requests.length;
      expect(calls).toBeGreaterThanOrEqual(2);
      expect(await throttled.poll(handle())).toEqual(first);
      expect(await throttled.poll(handle())).toEqual(first);
      expect(api.requests.length).toBe(calls);
    });

    it("a Complete Job has exited with 0", async () => {
      given("job-complete", "pod-succeeded");
      expect(await executor.poll(handle())).toEqual({ state: "exited", exitCode: 0, scheduler: { jobId: REF, state: "Complete", reason: null } });
    });

    it("a Failed Job whose container was OOMKilled: exit code 137 and the reason", async () => {
      given("job-failed", "pod-oomkilled");
      expect(await executor.poll(handle())).toEqual({
        state: "exited",
        exitCode: 137,
        end: { status: "failed", message: "OOMKilled: the container ran out of memory (exit code 137)" },
        scheduler: { jobId: REF, state: "Failed", reason: "BackoffLimitExceeded" },
      });
    });

    it("a Failed Job whose command exited with 3", async () => {
      given("job-failed", "pod-failed-exit-3");
      expect(await executor.poll(handle())).toEqual({
        state: "exited",
        exitCode: 3,
        end: { status: "failed", message: "Error: exit code 3" },
        scheduler: { jobId: REF, state: "Failed", reason: "BackoffLimitExceeded" },
      });
    });

    it("a Job past its deadline names DeadlineExceeded", async () => {
      given("job-failed-deadline", "pod-deadline-killed");
      expect(await executor.poll(handle())).toEqual({
        state: "exited",
        exitCode: 143,
        end: { status: "failed", message: "DeadlineExceeded: Job was active longer than specified deadline; the container: Error: exit code 143" },
        scheduler: { jobId: REF, state: "Failed", reason: "DeadlineExceeded" },
      });
    });

    it("a Job failed in its git clone says so, with the clone's output in the log", async () => {
      given("job-failed", "pod-init-clone-failed");
      api.logs.set("clone", "2024-09-02T10:00:05Z Cloning into '/workspace/code'...\n2024-09-02T10:00:07Z fatal: repository 'https://git.example.com/acme/train.git/' not found\n");
      expect(await executor.poll(handle())).toEqual({
        state: "exited",
        exitCode: null,
        end: { status: "failed", message: "fetching the code failed: Error: exit code 128" },
        scheduler: { jobId: REF, state: "Failed", reason: "BackoffLimitExceeded" },
      });
      expect(await readFile(handle().logFile, "utf8")).toBe("Cloning into '/workspace/code'...\nfatal: repository 'https://git.example.com/acme/train.git/' not found\n");
    });

    it("an invalid image name fails at once, and the Job is deleted so the pod frees its node", async () => {
      given("job-active", "pod-invalid-image");
      expect(await executor.poll(handle())).toEqual({
        state: "exited",
        exitCode: null,
        end: {
          status: "failed",
          message:
            'InvalidImageName: Failed to apply default image tag "Registry.example.com/ML/train:2.1": couldn\'t parse image name "Registry.example.com/ML/train:2.1": invalid reference format: repository name (ML/train) must be lowercase',
        },
        scheduler: expect.objectContaining({ jobId: REF, state: "Failed" }),
      });
      const deletion = api.requests.find((r) => r.method === "DELETE")!;
      expect(deletion.path).toBe(`/apis/batch/v1/namespaces/${NS}/jobs/${NAME}`);
      expect(deletion.query.get("propagationPolicy")).toBe("Background");
    });

    it("a Job deleted in Kubernetes has been cancelled", async () => {
      given(null, null);
      expect(await executor.poll(handle())).toEqual({
        state: "exited",
        exitCode: null,
        end: { status: "cancelled", message: `the Job ${NAME} was deleted in Kubernetes` },
        scheduler: { jobId: REF, state: "Deleted", reason: null },
      });
    });
  });

  describe("poll: the pod's log", () => {
    const first = [
      "2024-09-02T10:01:00.1Z epoch 1 loss=0.90\n",
      "2024-09-02T10:01:00.5Z same instant A\n",
      "2024-09-02T10:01:00.500000000Z same instant B\n",
      "2024-09-02T10:01:01.25Z unfinished li",
    ].join("");
    const second = [
      "2024-09-02T10:01:00.1Z epoch 1 loss=0.90\n",
      "2024-09-02T10:01:00.5Z same instant A\n",
      "2024-09-02T10:01:00.500000000Z same instant B\n",
      "2024-09-02T10:01:01.25Z unfinished line, now whole\n",
      "2024-09-02T10:01:01.25Z same instant C\n",
      "2024-09-02T10:01:02Z epoch 2 loss=0.45\n",
    ].join("");
    const third = second + "2024-09-02T10:01:03Z done, no newline at the end";
    const afterFirst = "epoch 1 loss=0.90\nsame instant A\nsame instant B\n";
    const afterSecond = afterFirst + "unfinished line, now whole\nsame instant C\nepoch 2 loss=0.45\n";
    const afterThird = afterSecond + "done, no newline at the end\n";

    it("copies each line once, in order, across polls; says exited only once the whole log is copied", async () => {
      given("job-active", "pod-running");
      api.logs.set("run", first);
      expect((await executor.poll(handle())).state).toBe("running");
      expect(await readFile(handle().logFile, "utf8")).toBe(afterFirst);
      const firstLog = api.requests.find((r) => r.path.endsWith("/log"))!;
      expect(firstLog.path).toBe(`/api/v1/namespaces/${NS}/pods/${NAME}-x7k2p/log`);
      expect(firstLog.query.get("container")).toBe("run");
      expect(firstLog.query.get("timestamps")).toBe("true");
      expect(firstLog.query.get("sinceTime")).toBeNull();

      api.logs.set("run", second);
      expect((await executor.poll(handle())).state).toBe("running");
      expect(await readFile(handle().logFile, "utf8")).toBe(afterSecond);
      expect(api.requests.filter((r) => r.path.endsWith("/log")).at(-1)!.query.get("sinceTime")).toBe("2024-09-02T10:01:00Z");

      given("job-complete", "pod-succeeded");
      api.logs.set("run", third);
      expect(await executor.poll(handle())).toMatchObject({ state: "exited", exitCode: 0 });
      expect(await readFile(handle().logFile, "utf8")).toBe(afterThird);
      expect(api.requests.filter((r) => r.path.endsWith("/log")).at(-1)!.query.get("sinceTime")).toBe("2024-09-02T10:01:02Z");

      // A restarted agent (a new executor) neither repeats nor fetches again.
      const before = api.requests.length;
      expect(await newExecutor().poll(handle())).toMatchObject({ state: "exited", exitCode: 0 });
      expect(await readFile(handle().logFile, "utf8")).toBe(afterThird);
      expect(api.requests.slice(before).filter((r) => r.path.endsWith("/log"))).toEqual([]);
    });

    it("a restarted agent that died halfway through appending drops the partial lines and fetches them again", async () => {
      given("job-active", "pod-running");
      api.logs.set("run", first);
      await executor.poll(handle());
      api.logs.set("run", second);
      await executor.poll(handle());
      const { size } = await stat(handle().logFile);
      await truncate(handle().logFile, size - 7);
      await newExecutor().poll(handle());
      expect(await readFile(handle().logFile, "utf8")).toBe(afterSecond);
    });

    it("a Job ended while its container still shows running is not reported exited until the log is final", async () => {
      given("job-complete", "pod-running");
      api.logs.set("run", first);
      expect(await executor.poll(handle())).toEqual({ state: "running", scheduler: { jobId: REF, state: "Complete", reason: "copying the end of the log" } });
      given("job-complete", "pod-succeeded");
      api.logs.set("run", third);
      expect(await executor.poll(handle())).toMatchObject({ state: "exited", exitCode: 0 });
      expect(await readFile(handle().logFile, "utf8")).toBe(afterThird);
    });
  });

  describe("cancel and clean-up", () => {
    it("stop deletes the Job with foreground propagation and the grace period, and waits until it is gone", async () => {
      given("job-active", "pod-running");
      await executor.stop(handle(), 10_000);
      const deletion = api.requests.find((r) => r.method === "DELETE")!;
      expect(deletion.path).toBe(`/apis/batch/v1/namespaces/${NS}/jobs/${NAME}`);
      expect(deletion.query.get("propagationPolicy")).toBe("Foreground");
      expect(deletion.query.get("gracePeriodSeconds")).toBe("10");
      expect(api.requests.at(-1)).toMatchObject({ method: "GET", path: `/apis/batch/v1/namespaces/${NS}/jobs/${NAME}` });
      expect(api.jobs.has(NAME)).toBe(false);
      expect(await executor.poll(handle())).toMatchObject({ state: "exited", end: { status: "cancelled" } });
    });

    it("stop of a Job already gone is fine", async () => {
      given(null, null);
      await expect(executor.stop(handle(), 1_000)).resolves.toBeUndefined();
    });

    it("cleanup deletes the ended Job and its Secret, in the namespace the job was started in; 404s are fine", async () => {
      await executor.start(claimed(), executor.locate(RUN), never);
      executor.configure({ namespace: "elsewhere" });
      api.requests = [];
      await executor.cleanup(executor.locate(RUN));
      expect(api.writes()).toEqual([`DELETE /apis/batch/v1/namespaces/${NS}/jobs/${NAME}`, `DELETE /api/v1/namespaces/${NS}/secrets/${NAME}`]);
      await expect(executor.cleanup(executor.locate(RUN))).resolves.toBeUndefined();
    });

    it("adopt finds the Job of a run whose handle was never saved, and null when there is none", async () => {
      given("job-active", null);
      expect(await executor.adopt(RUN, executor.locate(RUN))).toEqual({ ...executor.locate(RUN), ref: REF });
      given(null, null);
      expect(await executor.adopt(RUN, executor.locate(RUN))).toBeNull();
    });
  });

  describe("configuration", () => {
    it("says so when there is no kubeconfig and no service account", () => {
      vi.stubEnv("KUBECONFIG", "");
      vi.stubEnv("HOME", workRoot);
      try {
        expect(() => createKubernetesExecutor({ serverUrl: "https://ferry.example.com", workRoot })).toThrow(
          "no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run the agent in a pod with a ServiceAccount",
        );
      } finally {
        vi.unstubAllEnvs();
      }
    });

    it("loads the kubeconfig named by KUBECONFIG", async () => {
      const file = path.join(workRoot, "kubeconfig.yaml");
      writeFileSync(
        file,
        [
          "apiVersion: v1",
          "kind: Config",
          "clusters: [{name: fixture, cluster: {server: " + JSON.stringify(api.url) + ", insecure-skip-tls-verify: true}}]",
          "users: [{name: ferry-agent, user: {token: from-kubeconfig}}]",
          "contexts: [{name: fixture, context: {cluster: fixture, user: ferry-agent}}]",
          "current-context: fixture",
        ].join("\n"),
      );
      vi.stubEnv("KUBECONFIG", file);
      try {
        await createKubernetesExecutor({ serverUrl: "https://ferry.example.com", workRoot }).inventory();
      } finally {
        vi.unstubAllEnvs();
      }
      expect(api.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual(["GET /api/v1/nodes Bearer from-kubeconfig"]);
    });
  });

  describe("inventory", () => {
    it("counts allocatable GPUs of schedulable, Ready nodes by normalised product, and their CPUs and memory", async () => {
      expect(await executor.inventory()).toEqual({
        // Two A100 products (40 GB, 80 GB) make one type, with the smaller memory; the cordoned H100
        // node and the T4 node that is not Ready are left out. A run gets at most 8: its pod is on one node.
        gpus: [{ type: "a100", count: 12, memoryMb: 40960, allocated: null, perNode: 8 }],
        cpus: 175, // 95.9 + 63.9 + 16 (the node without GPUs counts here)
        memoryMb: 1_613_234, // (1056561960Ki + 528280980Ki) / 1024 + 64Gi
      });
      expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/nodes"]);
    });

    it("GPU nodes without a product label count as type gpu, and their runs go to unlabelled nodes", async () => {
      const nodes = fixture("nodes");
      const items = nodes.items as Json[];
      delete ((items[1]!.metadata as Json).labels as Record<string, string>)["nvidia.com/gpu.product"];
      api.nodes = nodes;
      expect((await executor.inventory()).gpus).toEqual([
        { type: "a100", count: 8, memoryMb: 40960, allocated: null, perNode: 8 },
        { type: "gpu", count: 4, memoryMb: 81920, allocated: null, perNode: 4 },
      ]);
      await executor.start(claimed({ gpus: { type: "gpu", count: 1, indices: [] } }), executor.locate(RUN), never);
      const job = api.requests.find((r) => r.method === "POST" && r.path.endsWith("/jobs"))!.body as Json;
      expect((((job.spec as Json).template as Json).spec as Json).affinity).toEqual({
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "DoesNotExist" }] }] } },
      });
    });

    it("passes on the API server's message when it may not list the nodes", async () => {
      api.refusals.set("GET /api/v1/nodes", fixture("status-403-list-nodes"));
      await expect(executor.inventory()).rejects.toThrow(
        'the Kubernetes API answered 403: nodes is forbidden: User "system:serviceaccount:ferry:ferry-agent" cannot list resource "nodes" in API group "" at the cluster scope',
      );
    });

    it("parses Kubernetes quantities", () => {
      expect(parseQuantity("16")).toBe(16);
      expect(parseQuantity("500m")).toBe(0.5);
      expect(parseQuantity("64Gi")).toBe(64 * 2 ** 30);
      expect(parseQuantity("128974848Ki")).toBe(128974848 * 1024);
      expect(parseQuantity("1.5G")).toBe(1.5e9);
      expect(parseQuantity("1e3")).toBe(1000);
      expect(parseQuantity("2E")).toBe(2e18);
      expect(parseQuantity("lots")).toBeNaN();
    });
  });
});
