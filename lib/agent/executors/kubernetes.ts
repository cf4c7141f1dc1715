import { appendFile, mkdir, readFile, rename, stat, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  ApiException,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  PatchStrategy,
  setHeaderOptions,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type V1Affinity,
  type V1Container,
  type V1ContainerState,
  type V1EnvVar,
  type V1Job,
  type V1JobCondition,
  type V1Node,
  type V1Pod,
  type V1Secret,
  type V1Volume,
  type V1VolumeMount,
} from "@kubernetes/client-node";
import { normaliseGpuName } from "../gpus";
import type { ClaimedJob, ClusterSettings, Inventory, SchedulerInfo } from "../protocol";
import { jobEnvironment, setAsidePreviousAttempt, workDirMode, workPaths } from "./prepare";
import { JobStartError, type Executor, type JobHandle, type JobPaths, type JobProgress } from "./types";

// Runs each run as one batch/v1 Job `ferry-<run id>` in the cluster's namespace, with the run token
// in a Secret of the same name (owned by the Job, so Kubernetes deletes it with the Job). The pod
// fetches its own code and data in init containers: the agent may run outside the cluster, and
// nothing on its disk reaches the pod. What stays on the agent's machine is the work dir: output.log
// (the pod's log, copied line by line), kubernetes.json (where the Job lives) and kubernetes-log.json
// (how far the copy got, so that a restarted agent neither repeats nor loses lines).

/** Init container images, pinned: a tag that moves would change what runs without anyone noticing. */
export const GIT_IMAGE = "alpine/git:2.45.2";
export const CURL_IMAGE = "curlimages/curl:8.11.1";

const GPU_RESOURCE = "nvidia.com/gpu";
const PRODUCT_LABEL = "nvidia.com/gpu.product";
const GPU_MEMORY_LABEL = "nvidia.com/gpu.memory";
const RUN_ID_LABEL = "ferry.dev/run-id";
const TOKEN_KEY = "run-token";
const REPO_KEY = "git-repo";
const MAIN = "run";
const CLONE = "clone";
const DATASET = "dataset";
/** The type of GPUs on nodes without a product label (no GPU feature discovery there). */
const UNLABELLED_TYPE = "gpu";
/** Waiting states that never clear by themselves: the pod would hold its node (and GPUs) forever. */
const HOPELESS = new Set(["InvalidImageName", "CreateContainerConfigError", "ErrImageNeverPull"]);

const API_TIMEOUT_MS = 30_000;
/** How long an ended Job may keep its pod's log out of reach (node gone, pod stuck terminating). */
const LOG_GIVE_UP_MS = 60_000;
/** stop(): how long to wait for the deleted Job's pod to go, beyond the grace period. */
const STOP_WAIT_MS = 30_000;
const RECORD_FILE = "kubernetes.json";
const LOG_STATE_FILE = "kubernetes-log.json";

export interface KubernetesExecutorOptions {
  serverUrl: string;
  workRoot: string;
  /** The cluster; default: KUBECONFIG, ~/.kube/config or the pod's service account, in that order. */
  kubeConfig?: KubeConfig;
  /**
   * Least time between two looks at one job (each is three API calls: Job, pods, log); the runner
   * polls more often. Default 2 s: 64 jobs cost ~100 requests/s, not ~400.
   */
  minPollMs?: number;
}

export function createKubernetesExecutor(options: KubernetesExecutorOptions): Executor {
  let kubeConfig = options.kubeConfig;
  if (!kubeConfig) {
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    // With nothing found the client falls back to http://localhost:8080, which it then refuses to use.
    if (kubeConfig.getCurrentCluster()?.server === FALLBACK_SERVER && kubeConfig.getCurrentUser()?.name === "user") {
      throw new Error("no Kubernetes configuration found: set KUBECONFIG, create ~/.kube/config, or run the agent in a pod with a ServiceAccount");
    }
  }
  return new KubernetesExecutor(options.serverUrl, options.workRoot, kubeConfig, options.minPollMs ?? 2_000);
}

const FALLBACK_SERVER = "http://localhost:8080";

interface GpuProducts {
  products: Set<string>;
  /** Some nodes of this type carry no product label. */
  unlabelled: boolean;
}

/** Where a job's Job and Secret live, written to its work dir before either is created. */
interface JobRecord {
  namespace: string;
  name: string;
}

class KubernetesExecutor implements Executor {
  readonly kind = "kubernetes" as const;
  readonly queues = true;
  private settings: ClusterSettings = {};
  /** GPU type → the product label values of its nodes, from the last inventory. */
  private products = new Map<string, GpuProducts>();
  /** The last look at each job, reused for minPollMs. */
  private lastPoll = new Map<string, { at: number; progress: Promise<JobProgress> }>();
  /** Jobs seen ended while their log could not be read yet: since when (epoch ms). */
  private endedAt = new Map<string, number>();
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(
    private readonly serverUrl: string,
    private readonly workRoot: string,
    kubeConfig: KubeConfig,
    private readonly minPollMs: number,
  ) {
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
  }

  configure(settings: ClusterSettings): void {
    this.settings = settings;
  }

  locate(jobId: string): JobPaths {
    return workPaths(this.workRoot, jobId);
  }

  inventory(): Promise<Inventory> {
    return readable(this.readInventory());
  }

  private async readInventory(): Promise<Inventory> {
    const { items } = await this.core.listNode({}, apiOptions());
    const { inventory, products } = inventoryOfNodes(items);
    this.products = products;
    return inventory;
  }

  async start(job: ClaimedJob, paths: JobPaths, signal: AbortSignal): Promise<JobHandle> {
    if (!/^[0-9a-f]{32}$/.test(job.id)) throw new JobStartError(`"${job.id}" is not a run id`);
    const settings = job.settings ?? this.settings;
    const record: JobRecord = { namespace: settings.namespace ?? "default", name: jobName(job.id) };
    const image = imageOf(job, settings);
    const affinity = await this.affinityFor(job);
    const secret = secretOf(job, record);
    const spec = jobSpecOf(job, { ...record, image, affinity, serverUrl: this.serverUrl });
    await setAsidePreviousAttempt(paths.workDir);
    await mkdir(paths.workDir, { recursive: true, mode: workDirMode });
    await writeFile(paths.logFile, "", { flag: "a" });
    await writeJson(path.join(paths.workDir, RECORD_FILE), record);
    if (signal.aborted) throw new JobStartError("stopped before the job started");
    const created = await this.create(record, secret, spec, signal);
    // Best effort: without the owner reference the Secret still goes with cleanup().
    await this.core
      .patchNamespacedSecret(
        { ...record, body: { metadata: { ownerReferences: [{ apiVersion: "batch/v1", kind: "Job", name: record.name, uid: created.metadata?.uid }] } } },
        setHeaderOptions("Content-Type", PatchStrategy.MergePatch, apiOptions()),
      )
      .catch(() => {});
    return { ...paths, ref: `${record.namespace}/${record.name}` };
  }

  /** Creates the Secret and the Job; a leftover pair of the run's earlier attempt is deleted first. */
  private async create(record: JobRecord, secret: V1Secret, spec: V1Job, signal: AbortSignal): Promise<V1Job> {
    for (let attempt = 1; ; attempt++) {
      let what = `the Secret ${record.name}`;
      try {
        await this.core.createNamespacedSecret({ namespace: record.namespace, body: secret }, apiOptions());
        what = `the Job ${record.name}`;
        return await this.batch.createNamespacedJob({ namespace: record.namespace, body: spec }, apiOptions());
      } catch (error) {
        if (attempt === 1 && statusCode(error) === 409) {
          await this.removeLeftovers(record).catch((failure: unknown) => {
            throw failure instanceof JobStartError ? failure : new JobStartError(`could not delete the earlier Job ${record.name}: ${apiErrorText(failure)}`);
          });
          if (signal.aborted) throw new JobStartError("stopped before the job started");
          continue;
        }
        await this.deleteSecret(record).catch(() => {});
        throw new JobStartError(`Kubernetes did not create ${what}: ${apiErrorText(error)}`);
      }
    }
  }

  private async removeLeftovers(record: JobRecord): Promise<void> {
    await this.deleteJob(record, "Foreground");
    if (!(await this.waitGone(record, 60_000))) throw new JobStartError(`an earlier Job ${record.name} in ${record.namespace} is still being deleted; launch the run again later`);
    await this.deleteSecret(record);
  }

  /** Node affinity on the product labels of the run's GPU type. */
  private async affinityFor(job: ClaimedJob): Promise<V1Affinity | undefined> {
    const type = job.gpus.type;
    if (job.gpus.count <= 0 || !type) return undefined;
    // Nodes may have joined since the last inventory.
    if (!this.products.has(type)) await this.inventory().catch(() => {});
    const known = this.products.get(type);
    if (!known) {
      const types = [...this.products.keys()].join(", ") || "none";
      throw new JobStartError(`no schedulable node of this cluster has GPUs of type "${type}" (types found from the ${PRODUCT_LABEL} labels: ${types})`);
    }
    const terms = [];
    if (known.products.size) terms.push({ matchExpressions: [{ key: PRODUCT_LABEL, operator: "In", values: [...known.products].sort() }] });
    if (known.unlabelled) terms.push({ matchExpressions: [{ key: PRODUCT_LABEL, operator: "DoesNotExist" }] });
    return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
  }

  poll(handle: JobHandle): Promise<JobProgress> {
    const seen = this.lastPoll.get(handle.ref);
    if (seen && Date.now() - seen.at < this.minPollMs) return seen.progress;
    const progress = readable(this.progress(handle));
    this.lastPoll.set(handle.ref, { at: Date.now(), progress });
    // An error is not kept: the next poll asks again. Nor is an end: the job is done with.
    progress.then(
      (p) => p.state === "exited" && this.lastPoll.delete(handle.ref),
      () => this.lastPoll.delete(handle.ref),
    );
    return progress;
  }

  private async progress(handle: JobHandle): Promise<JobProgress> {
    const record = parseRef(handle.ref);
    const scheduler = (state: string, reason: string | null = null): SchedulerInfo => ({ jobId: handle.ref, state, reason: reason && reason.slice(0, 1000) });
    const job = await this.readJob(record);
    if (!job) {
      this.endedAt.delete(handle.ref);
      return { state: "exited", exitCode: null, end: { status: "cancelled", message: `the Job ${record.name} was deleted in Kubernetes` }, scheduler: scheduler("Deleted") };
    }
    const pod = await this.podOf(record);
    const ended = terminalCondition(job);
    if (ended && !this.endedAt.has(handle.ref)) this.endedAt.set(handle.ref, Date.now());
    const logComplete = pod ? await this.copyLog(handle, record.namespace, pod) : true;
    if (ended) {
      if (!logComplete) return { state: "running", scheduler: scheduler(ended.type!, "copying the end of the log") };
      this.endedAt.delete(handle.ref);
      return endOf(ended, pod, scheduler);
    }
    const hopeless = pod && hopelessWait(pod);
    if (hopeless) {
      // Deleted so that the pod gives its node back; the agent reports the run failed.
      await this.deleteJob(record, "Background");
      return { state: "exited", exitCode: null, end: { status: "failed", message: hopeless }, scheduler: scheduler("Failed", hopeless) };
    }
    return progressOf(job, pod, scheduler);
  }

  stop(handle: JobHandle, graceMs: number): Promise<void> {
    const record = parseRef(handle.ref);
    return readable(
      (async () => {
        await this.deleteJob(record, "Foreground", Math.ceil(graceMs / 1000));
        await this.waitGone(record, graceMs + STOP_WAIT_MS);
      })(),
    );
  }

  /** Deletes the ended Job (with its pod) and its Secret; nothing of the run stays in the cluster. */
  cleanup(paths: JobPaths): Promise<void> {
    return readable(
      (async () => {
        const record = (await readJson<JobRecord>(path.join(paths.workDir, RECORD_FILE))) ?? { namespace: this.namespace(), name: jobName(path.basename(paths.workDir)) };
        await this.deleteJob(record, "Background");
        await this.deleteSecret(record);
      })(),
    );
  }

  adopt(jobId: string, paths: JobPaths): Promise<JobHandle | null> {
    return readable(
      (async () => {
        const saved = await readJson<JobRecord>(path.join(paths.workDir, RECORD_FILE));
        const record = { namespace: saved?.namespace ?? this.namespace(), name: jobName(jobId) };
        const job = await this.readJob(record);
        return job ? { ...paths, ref: `${record.namespace}/${record.name}` } : null;
      })(),
    );
  }

  private namespace(): string {
    return this.settings.namespace ?? "default";
  }

  /** The Job, or null when it does not exist (any more). */
  private async readJob(record: JobRecord): Promise<V1Job | null> {
    try {
      return await this.batch.readNamespacedJob(record, apiOptions());
    } catch (error) {
      if (statusCode(error) === 404) return null;
      throw error;
    }
  }

  /** The Job's newest pod (there is one unless Kubernetes replaced a deleted one). */
  private async podOf(record: JobRecord): Promise<V1Pod | undefined> {
    const { items } = await this.core.listNamespacedPod({ namespace: record.namespace, labelSelector: `job-name=${record.name}` }, apiOptions());
    return items.sort((a, b) => (b.metadata?.creationTimestamp?.getTime() ?? 0) - (a.metadata?.creationTimestamp?.getTime() ?? 0))[0];
  }

  private async deleteJob(record: JobRecord, propagationPolicy: "Foreground" | "Background", gracePeriodSeconds?: number): Promise<void> {
    try {
      await this.batch.deleteNamespacedJob({ ...record, propagationPolicy, gracePeriodSeconds }, apiOptions());
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  private async deleteSecret(record: JobRecord): Promise<void> {
    try {
      await this.core.deleteNamespacedSecret(record, apiOptions());
    } catch (error) {
      if (statusCode(error) !== 404) throw error;
    }
  }

  private async waitGone(record: JobRecord, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while ((await this.readJob(record)) !== null) {
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return true;
  }

  /**
   * Appends the pod's new log lines to the job's log file, container after container (init
   * containers run one at a time, before the main one). True once every container that ran has
   * ended and its whole log is in the file.
   */
  private async copyLog(handle: JobHandle, namespace: string, pod: V1Pod): Promise<boolean> {
    const podName = pod.metadata?.name ?? "";
    const saved = await loadLogState(handle);
    const state: LogState = saved.state.pod === podName ? structuredClone(saved.state) : { pod: podName, containers: {} };
    const endedLongAgo = Date.now() - (this.endedAt.get(handle.ref) ?? Infinity) > LOG_GIVE_UP_MS;
    let text = "";
    let complete = true;
    try {
      for (const container of containerNames(pod)) {
        const cursor = (state.containers[container] ??= { ts: "", n: 0, done: false });
        if (cursor.done) continue;
        const current = containerState(pod, container);
        const terminated = Boolean(current?.state?.terminated);
        if (!terminated && !current?.state?.running) break;
        let log: string;
        try {
          log = await this.core.readNamespacedPodLog({ name: podName, namespace, container, timestamps: true }, apiOptions(cursor.ts ? sinceTime(cursor.ts) : undefined));
        } catch (error) {
          const code = statusCode(error);
          // 400: the container is not running yet after all; its lines come with a later look.
          if (code === 400) break;
          if (code !== 403 && code !== 404 && !endedLongAgo) throw error;
          text += `[ferry-agent] the log of container ${container} could not be read: ${apiErrorText(error)}\n`;
          cursor.done = true;
          continue;
        }
        text += newLines(log, cursor, terminated);
        if (!terminated) {
          complete = false;
          break;
        }
        cursor.done = true;
      }
    } finally {
      if (text || JSON.stringify(state) !== JSON.stringify(saved.state)) await saveLogState(handle, saved, state, text);
    }
    return complete;
  }
}

function jobName(runId: string): string {
  return `ferry-${runId}`;
}

function parseRef(ref: string): JobRecord {
  const [namespace, name, ...rest] = ref.split("/");
  if (!namespace || !name || rest.length) throw new Error(`"${ref}" is not <namespace>/<job name>`);
  return { namespace, name };
}

function imageOf(job: ClaimedJob, settings: ClusterSettings): string {
  if (job.code && "image" in job.code) return job.code.image;
  if (settings.image) return settings.image;
  const what = job.code ? "a git repository" : "no code";
  throw new JobStartError(`this cluster has no default container image for runs launched with ${what}: set a default image on the cluster's page in Ferry`);
}

function hasCredentials(repo: string): boolean {
  try {
    const url = new URL(repo);
    return Boolean(url.username || url.password);
  } catch {
    return false;
  }
}

/** The run token (and a repository URL that carries credentials): the pod's only secrets. */
function secretOf(job: ClaimedJob, record: JobRecord): V1Secret {
  const data: Record<string, string> = { [TOKEN_KEY]: job.runToken };
  if (job.code && "repo" in job.code && hasCredentials(job.code.repo)) data[REPO_KEY] = job.code.repo;
  return { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { ...record, labels: labelsOf(job) }, stringData: data };
}

function labelsOf(job: ClaimedJob): Record<string, string> {
  return { "app.kubernetes.io/managed-by": "ferry-agent", [RUN_ID_LABEL]: job.id };
}

function fromSecret(name: string, secret: string, key: string): V1EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secret, key } } };
}

interface JobSpecInput extends JobRecord {
  image: string;
  affinity: V1Affinity | undefined;
  serverUrl: string;
}

function jobSpecOf(job: ClaimedJob, input: JobSpecInput): V1Job {
  const labels = labelsOf(job);
  const gpus = job.gpus.count > 0;
  const volumes: V1Volume[] = [];
  const mounts: V1VolumeMount[] = [];
  const initContainers: V1Container[] = [];
  let workingDir: string | undefined;
  if (job.code && "repo" in job.code) {
    volumes.push({ name: "workspace", emptyDir: {} });
    mounts.push({ name: "workspace", mountPath: "/workspace" });
    initContainers.push(cloneContainer(job.code, input.name));
    workingDir = "/workspace/code";
  }
  let datasetPath: string | null = null;
  if (job.dataset?.downloadPath) {
    const { url, file } = datasetSource(job, input.serverUrl);
    volumes.push({ name: "data", emptyDir: {} });
    mounts.push({ name: "data", mountPath: "/data" });
    initContainers.push(downloadContainer(url, file, input.name));
    datasetPath = `/data/${file}`;
  }
  const main: V1Container = {
    name: MAIN,
    image: input.image,
    command: ["sh", "-c", job.command],
    env: containerEnv(job, input.serverUrl, datasetPath, input.name),
    workingDir,
    volumeMounts: mounts.length ? mounts : undefined,
    resources: gpus ? { limits: { [GPU_RESOURCE]: String(job.gpus.count) } } : undefined,
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: input.name, namespace: input.namespace, labels, annotations: { "ferry.dev/run-name": job.name, "ferry.dev/project": job.projectSlug } },
    spec: {
      // One attempt: a failed run is retried by launching it again in Ferry, not by Kubernetes.
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          // The run talks to Ferry only; it has no business with the Kubernetes API.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          initContainers: initContainers.length ? initContainers : undefined,
          containers: [main],
          volumes: volumes.length ? volumes : undefined,
          affinity: input.affinity,
          // GPU nodes are often tainted so that only pods asking for GPUs land there.
          tolerations: gpus ? [{ key: GPU_RESOURCE, operator: "Exists", effect: "NoSchedule" }] : undefined,
        },
      },
    },
  };
}

/** The run's environment as the local executor gives it, minus what only makes sense on the agent's machine. */
function containerEnv(job: ClaimedJob, serverUrl: string, datasetPath: string | null, secret: string): V1EnvVar[] {
  const plain = jobEnvironment(job, { baseEnv: {}, serverUrl, devices: null, datasetPath });
  // PATH would be the agent's bin dir; the image's own PATH must stay.
  delete plain.PATH;
  const env: V1EnvVar[] = [];
  for (const [name, value] of Object.entries(plain)) {
    if (value === undefined) continue;
    env.push(name === "MLFLOW_TRACKING_TOKEN" ? fromSecret(name, secret, TOKEN_KEY) : { name, value });
  }
  // CUDA images set NVIDIA_VISIBLE_DEVICES=all: a pod asking for no GPU would see every GPU of its node.
  if (job.gpus.count <= 0) env.push({ name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
  return env;
}

const CLONE_SCRIPT = `set -e
git clone --quiet -- "$FERRY_GIT_REPO" /workspace/code
cd /workspace/code
git -c advice.detachedHead=false checkout --quiet "$FERRY_GIT_COMMIT"
chmod -R a+rwX /workspace/code
echo "checked out $FERRY_GIT_COMMIT"`;

function cloneContainer(code: { repo: string; commit: string }, secret: string): V1Container {
  if (!/^[0-9A-Za-z][0-9A-Za-z._/-]*$/.test(code.commit)) throw new JobStartError(`"${code.commit}" is not a commit, branch or tag name`);
  const repo = hasCredentials(code.repo) ? fromSecret("FERRY_GIT_REPO", secret, REPO_KEY) : { name: "FERRY_GIT_REPO", value: code.repo };
  return {
    name: CLONE,
    image: GIT_IMAGE,
    command: ["sh", "-c", CLONE_SCRIPT],
    env: [repo, { name: "FERRY_GIT_COMMIT", value: code.commit }, { name: "GIT_TERMINAL_PROMPT", value: "0" }],
    volumeMounts: [{ name: "workspace", mountPath: "/workspace" }],
  };
}

const DOWNLOAD_SCRIPT = `curl --fail --silent --show-error --location --retry 3 \\
  --header "Authorization: Bearer $FERRY_RUN_TOKEN" \\
  --output "/data/$FERRY_DATASET_FILE" "$FERRY_DATASET_URL"
echo "downloaded $FERRY_DATASET_FILE"`;

function downloadContainer(url: string, file: string, secret: string): V1Container {
  return {
    name: DATASET,
    image: CURL_IMAGE,
    command: ["sh", "-c", DOWNLOAD_SCRIPT],
    env: [fromSecret("FERRY_RUN_TOKEN", secret, TOKEN_KEY), { name: "FERRY_DATASET_URL", value: url }, { name: "FERRY_DATASET_FILE", value: file }],
    volumeMounts: [{ name: "data", mountPath: "/data" }],
  };
}

/** The dataset's address on Ferry (never another host: the run token goes with it) and its file name. */
function datasetSource(job: ClaimedJob, serverUrl: string): { url: string; file: string } {
  const dataset = job.dataset!;
  const url = new URL(dataset.downloadPath!, serverUrl + "/");
  if (url.origin !== new URL(serverUrl).origin) throw new JobStartError(`the dataset's download address is not on ${serverUrl}`);
  const name = path.posix.basename(dataset.fileName ?? "") || path.posix.basename(url.pathname) || "dataset";
  return { url: url.toString(), file: name === "." || name === ".." ? "dataset" : name };
}

// --- status -----------------------------------------------------------------------------------

type Scheduler = (state: string, reason?: string | null) => SchedulerInfo;

function terminalCondition(job: V1Job): V1JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
}

function containerNames(pod: V1Pod): string[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => c.name);
}

function containerState(pod: V1Pod, name: string) {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s) => s.name === name);
}

function joined(reason: string | undefined, message: string | undefined): string | null {
  if (reason && message) return `${reason}: ${message.trim()}`;
  return reason ?? message?.trim() ?? null;
}

function describeExit(terminated: NonNullable<V1ContainerState["terminated"]>): string {
  if (terminated.reason === "OOMKilled") return `OOMKilled: the container ran out of memory (exit code ${terminated.exitCode})`;
  const detail = terminated.message?.trim() ? ` (${terminated.message.trim()})` : "";
  return `${terminated.reason ?? "Error"}: exit code ${terminated.exitCode}${detail}`;
}

const INIT_WORDS: Record<string, string> = { [CLONE]: "fetching the code", [DATASET]: "downloading the dataset" };

function endOf(condition: V1JobCondition, pod: V1Pod | undefined, scheduler: Scheduler): JobProgress {
  if (condition.type === "Complete") return { state: "exited", exitCode: 0, scheduler: scheduler("Complete") };
  const main = pod && containerState(pod, MAIN)?.state?.terminated;
  const failedInit = pod?.status?.initContainerStatuses?.find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
  const jobReason = joined(condition.reason, condition.message);
  let message: string;
  if (failedInit) {
    message = `${INIT_WORDS[failedInit.name] ?? `init container ${failedInit.name}`} failed: ${describeExit(failedInit.state!.terminated!)}`;
  } else if (main && (!condition.reason || condition.reason === "BackoffLimitExceeded")) {
    // The Job only says that its one pod failed; the container says why.
    message = describeExit(main);
  } else {
    const podReason = joined(pod?.status?.reason, pod?.status?.message);
    message = [jobReason, main ? `the container: ${describeExit(main)}` : podReason].filter(Boolean).join("; ") || "the Job failed";
  }
  return { state: "exited", exitCode: main ? main.exitCode : null, end: { status: "failed", message }, scheduler: scheduler("Failed", condition.reason ?? null) };
}

/** A container waiting on something that will not clear by itself (a bad image name, a bad env reference). */
function hopelessWait(pod: V1Pod): string | null {
  for (const name of containerNames(pod)) {
    const waiting = containerState(pod, name)?.state?.waiting;
    if (waiting?.reason && HOPELESS.has(waiting.reason)) return joined(waiting.reason, waiting.message);
  }
  return null;
}

function progressOf(job: V1Job, pod: V1Pod | undefined, scheduler: Scheduler): JobProgress {
  const deleting = Boolean(job.metadata?.deletionTimestamp || pod?.metadata?.deletionTimestamp);
  if (!pod) return { state: "pending", scheduler: scheduler(deleting ? "Terminating" : "Pending", deleting ? null : "waiting for Kubernetes to create the Job's pod") };
  const phase = pod.status?.phase ?? "Unknown";
  if (phase === "Pending") {
    if (deleting) return { state: "pending", scheduler: scheduler("Terminating") };
    return { state: "pending", scheduler: scheduler("Pending", pendingReason(pod)) };
  }
  if (deleting) return { state: "running", scheduler: scheduler("Terminating") };
  if (phase === "Running") return { state: "running", scheduler: scheduler("Running") };
  // Succeeded or Failed before the Job controller has caught up, or Unknown (node unreachable).
  return { state: "running", scheduler: scheduler(phase, joined(pod.status?.reason, pod.status?.message)) };
}

function pendingReason(pod: V1Pod): string | null {
  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (scheduled?.status === "False") return joined(scheduled.reason, scheduled.message);
  for (const name of containerNames(pod)) {
    const status = containerState(pod, name);
    if (status?.state?.running && name !== MAIN) return `${INIT_WORDS[name] ?? name} (init container ${name})`;
    const waiting = status?.state?.waiting;
    if (waiting?.reason && waiting.reason !== "PodInitializing") return joined(waiting.reason, waiting.message);
  }
  return null;
}

// --- logs -------------------------------------------------------------------------------------

interface LogCursor {
  /** Timestamp of the last line copied, normalised to fixed width (comparable as strings). */
  ts: string;
  /** Lines copied with exactly that timestamp. */
  n: number;
  /** The container has ended and all of its log is copied. */
  done: boolean;
}

interface LogState {
  pod: string | null;
  containers: Record<string, LogCursor>;
}

/**
 * Saved before each append: the state before and after it, with the log file's size for each. A
 * file of the `after` size got the lines; a shorter one did not (the agent stopped in between), and
 * is cut back to the `before` size so that they are fetched again.
 */
interface LogJournal {
  before: { size: number; state: LogState };
  after: { size: number; state: LogState };
}

async function loadLogState(paths: JobPaths): Promise<{ size: number; state: LogState }> {
  const journal = await readJson<LogJournal>(path.join(paths.workDir, LOG_STATE_FILE));
  const size = await stat(paths.logFile).then(
    (s) => s.size,
    () => 0,
  );
  if (!journal) return { size, state: { pod: null, containers: {} } };
  if (size >= journal.after.size) return { size, state: journal.after.state };
  if (size > journal.before.size) await truncate(paths.logFile, journal.before.size);
  return { size: Math.min(size, journal.before.size), state: journal.before.state };
}

async function saveLogState(paths: JobPaths, before: { size: number; state: LogState }, state: LogState, text: string): Promise<void> {
  const bytes = Buffer.from(text);
  await mkdir(paths.workDir, { recursive: true });
  await writeJson(path.join(paths.workDir, LOG_STATE_FILE), { before, after: { size: before.size + bytes.length, state } } satisfies LogJournal);
  if (bytes.length) await appendFile(paths.logFile, bytes);
}

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) ([^]*)$/;

/** "2024-05-01T10:00:00.5Z" → "2024-05-01T10:00:00.500000000Z": RFC3339Nano drops trailing zeros. */
function timestampKey(seconds: string, fraction: string | undefined, zone: string): string {
  const utc = zone === "Z" ? seconds : new Date(seconds + zone).toISOString().slice(0, 19);
  return `${utc}.${(fraction ?? "").padEnd(9, "0")}Z`;
}

/** The log's lines after the cursor (advanced past them), without their timestamps. */
function newLines(log: string, cursor: LogCursor, ended: boolean): string {
  const lines = log.split("\n");
  const last = lines.pop()!;
  // A running container's unfinished line comes whole with a later look; an ended one's is final.
  if (last !== "" && ended) lines.push(last);
  const from = cursor.ts;
  const copied = cursor.n;
  let seen = 0;
  let out = "";
  for (const line of lines) {
    const match = TIMESTAMPED.exec(line);
    if (!match) {
      out += line + "\n";
      continue;
    }
    const key = timestampKey(match[1]!, match[2], match[3]!);
    if (key < from) continue;
    if (key === from && seen < copied) {
      seen++;
      continue;
    }
    if (key === cursor.ts) cursor.n++;
    else Object.assign(cursor, { ts: key, n: 1 });
    out += match[4] + "\n";
  }
  return out;
}

/** Asks for the log from the cursor's second on (the API's sinceTime has whole seconds). */
function sinceTime(key: string): ObservableMiddleware {
  return {
    pre: (context) => {
      context.setQueryParam("sinceTime", `${key.slice(0, 19)}Z`);
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
}

// --- inventory --------------------------------------------------------------------------------

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** A Kubernetes quantity as a number: "500m" → 0.5, "64Gi" → 68719476736, "1e3" → 1000; NaN if it is none. */
export function parseQuantity(quantity: string): number {
  const match = QUANTITY.exec(quantity.trim());
  if (!match) return NaN;
  const value = Number(match[1]);
  if (match[2]) return value * 10 ** Number(match[2].slice(1));
  return match[3] ? value * SUFFIX[match[3]]! : value;
}

function quantity(value: string | undefined): number {
  const n = value === undefined ? 0 : parseQuantity(value);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** "NVIDIA-A100-SXM4-40GB" → "a100": the labels spell the nvidia-smi name with '-' for spaces. */
function typeOfProduct(product: string | undefined): string {
  return product ? normaliseGpuName(product.replace(/-/g, " ")) : UNLABELLED_TYPE;
}

function inventoryOfNodes(nodes: V1Node[]): { inventory: Inventory; products: Map<string, GpuProducts> } {
  const groups = new Map<string, { count: number; perNode: number; memoryMb: number | null } & GpuProducts>();
  let cpus = 0;
  let memoryBytes = 0;
  for (const node of nodes) {
    if (node.spec?.unschedulable || !isReady(node)) continue;
    const allocatable = node.status?.allocatable ?? {};
    cpus += quantity(allocatable.cpu);
    memoryBytes += quantity(allocatable.memory);
    const count = Math.floor(quantity(allocatable[GPU_RESOURCE]));
    if (count === 0) continue;
    const labels = node.metadata?.labels ?? {};
    const product = labels[PRODUCT_LABEL];
    const type = typeOfProduct(product);
    const group = groups.get(type) ?? { count: 0, perNode: 0, memoryMb: null, products: new Set<string>(), unlabelled: false };
    group.count += count;
    group.perNode = Math.max(group.perNode, count);
    if (product) group.products.add(product);
    else group.unlabelled = true;
    // A run of this type may land on any of its nodes: the smallest memory is what it can count on.
    const memoryMb = Number(labels[GPU_MEMORY_LABEL]);
    if (Number.isInteger(memoryMb) && memoryMb > 0) group.memoryMb = group.memoryMb === null ? memoryMb : Math.min(group.memoryMb, memoryMb);
    groups.set(type, group);
  }
  const types = [...groups.keys()].sort().slice(0, 64);
  return {
    inventory: {
      gpus: types.map((type) => ({
        type,
        count: Math.min(groups.get(type)!.count, 4096),
        memoryMb: groups.get(type)!.memoryMb,
        allocated: null,
        perNode: Math.min(groups.get(type)!.perNode, 4096),
      })),
      cpus: Math.floor(cpus),
      memoryMb: Math.floor(memoryBytes / 2 ** 20),
    },
    products: new Map(types.map((type) => [type, { products: groups.get(type)!.products, unlabelled: groups.get(type)!.unlabelled }])),
  };
}

// --- API plumbing -----------------------------------------------------------------------------

/** Every call gets a deadline: the client's fetch has none, and a hung API server would stall the job's loop. */
function apiOptions(extra?: ObservableMiddleware): ConfigurationOptions {
  const deadline: ObservableMiddleware = {
    pre: (context) => {
      context.setSignal(AbortSignal.timeout(API_TIMEOUT_MS));
      return new Observable(Promise.resolve(context));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return { middleware: extra ? [deadline, extra] : [deadline], middlewareMergeStrategy: "append" };
}

/** The client's own error text dumps the response's headers and body: the agent's log gets the API's message instead. */
function readable<T>(work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    throw error instanceof ApiException ? new Error(`the Kubernetes API answered ${error.code}: ${apiErrorText(error)}`, { cause: error }) : error;
  });
}

function statusCode(error: unknown): number | null {
  return error instanceof ApiException ? error.code : null;
}

/** The API server's own message (a Status object's), fit for the user; never the client's dump of headers. */
function apiErrorText(error: unknown): string {
  if (error instanceof ApiException) {
    const body: unknown = error.body;
    let status: { message?: unknown } | null = null;
    try {
      status = typeof body === "string" ? JSON.parse(body) : (body as { message?: unknown } | null);
    } catch {
      status = null;
    }
    if (status && typeof status.message === "string" && status.message) return status.message;
    return error.code === 401 ? "Unauthorized: the API server refused the agent's credentials" : `HTTP ${error.code}`;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return `the Kubernetes API server could not be reached${typeof code === "string" ? ` (${code})` : ""}`;
}

async function readJson<T>(file: string): Promise<T | null> {
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(value));
  await rename(`${file}.tmp`, file);
}
