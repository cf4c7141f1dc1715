import { Boxes, Code2, Database, FlaskConical, LineChart } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { formatGpuAsk } from "@/components/clusters/format";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { CopyValue } from "@/components/models/copy-value";
import { AliasBadge } from "@/components/models/environment-badge";
import { formatModelMetric, metricLabel, shortDigest } from "@/components/models/format";
import { When } from "@/components/models/when";
import { formatDuration } from "@/components/runs/format";
import { RunStatusBadge } from "@/components/runs/run-status-badge";
import { Forbidden } from "@/components/shell/forbidden";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { formatCount, formatDateTime } from "@/lib/format";
import { getVersionDetail, keyMetrics, type VersionDetail } from "@/lib/models/queries";
import { modelNameSchema, versionNumberSchema } from "@/lib/models/schemas";
import { modelUrl, modelsUrl } from "@/lib/models/urls";
import { runPageUrl } from "@/lib/tracking/views";
import { LineagePath } from "./lineage-path";
import { RequestPromotionForm } from "./request-promotion-form";

type Props = { params: Promise<{ slug: string; name: string; version: string }> };

function parseParams(raw: { name: string; version: string }): { name: string; version: number } | null {
  try {
    const name = modelNameSchema.safeParse(decodeURIComponent(raw.name));
    const version = versionNumberSchema.safeParse(raw.version);
    return name.success && version.success ? { name: name.data, version: version.data } : null;
  } catch {
    return null;
  }
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const p = parseParams(await params);
  return { title: p ? `${p.name} v${p.version}` : "Model version" };
}

export default async function ModelVersionPage({ params }: Props) {
  const raw = await params;
  const auth = await authorizeProjectPage("projects.read", raw.slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const p = parseParams(raw);
  if (!p) notFound();
  const v = await getVersionDetail(await getDb(), project.id, p.name, p.version);
  if (!v) notFound();
  const canRequest = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "promotions.request");
  const slug = project.slug;

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link href={modelsUrl(slug)} className="hover:underline">
            Models
          </Link>{" "}
          /{" "}
          <Link href={modelUrl(slug, v.model.name)} className="hover:underline">
            {v.model.name}
          </Link>{" "}
          /
        </p>
        <h2 className="flex flex-wrap items-center gap-3 text-xl font-semibold text-slate-900">
          Version {v.version}
          {v.aliases.map((a) => (
            <AliasBadge key={a} alias={a} />
          ))}
        </h2>
        <p className="mt-1 text-sm text-slate-500">
          Registered by {v.createdBy ?? "an unknown user"} <When iso={v.createdAt} absolute /> from run{" "}
          <Link href={runPageUrl(slug, v.run.id)} className="text-brand-700 hover:underline">
            {v.run.name}
          </Link>
        </p>
        {v.description && <p className="mt-2 max-w-3xl text-sm whitespace-pre-line text-slate-700">{v.description}</p>}
      </div>

      <Card label="Lineage">
        <CardHeader title="Lineage" description="Where this version comes from. Select a step to see its details." />
        <div className="pb-1">
          <LineagePath
            nodes={[
              {
                id: "version",
                kind: "Model version",
                icon: <Boxes className="size-3.5" aria-hidden />,
                title: `${v.model.name} v${v.version}`,
                detail: v.aliases.length ? v.aliases.map((a) => <AliasBadge key={a} alias={a} />) : `${formatCount(v.artifactFiles)} file${v.artifactFiles === 1 ? "" : "s"}`,
                panel: <VersionPanel v={v} />,
              },
              {
                id: "run",
                kind: "Run",
                icon: <FlaskConical className="size-3.5" aria-hidden />,
                title: v.run.name,
                detail: <RunStatusBadge status={v.run.status} />,
                panel: <RunPanel slug={slug} v={v} />,
              },
              {
                id: "dataset",
                kind: "Dataset version",
                icon: <Database className="size-3.5" aria-hidden />,
                title: v.dataset ? `${v.dataset.dataset} v${v.dataset.version}` : "Not recorded",
                detail: v.dataset ? <ValidationBadge status={v.dataset.validationStatus} /> : "No Ferry dataset version",
                panel: <DatasetPanel slug={slug} v={v} />,
              },
              {
                id: "code",
                kind: "Code",
                icon: <Code2 className="size-3.5" aria-hidden />,
                title: codeTitle(v),
                detail: codeDetail(v),
                panel: <CodePanel v={v} />,
              },
            ]}
          />
        </div>
      </Card>

      <MetricsCard v={v} />

      {v.perClass.length > 0 && (
        <Card label="Per-class metrics">
          <CardHeader title="Per-class metrics" description="Precision, recall and F1 of each class on the evaluation data, with its support (rows of that class)." />
          <Table
            label="Per-class metrics"
            columns={[
              { label: "Label" },
              { label: "Precision", className: "text-right" },
              { label: "Recall", className: "text-right" },
              { label: "F1", className: "text-right" },
              { label: "Support", className: "text-right" },
            ]}
          >
            {v.perClass.map((c) => (
              <tr key={c.label}>
                <Td className="font-mono text-xs text-slate-800">{c.label}</Td>
                {[c.precision, c.recall, c.f1].map((x, i) => (
                  <Td key={i} className="text-right font-mono text-xs tabular-nums">
                    {formatModelMetric(x)}
                  </Td>
                ))}
                <Td className="text-right font-mono text-xs tabular-nums">{c.support === null ? "—" : formatCount(c.support)}</Td>
              </tr>
            ))}
          </Table>
        </Card>
      )}

      {canRequest && (
        <Card label="Request promotion">
          <CardHeader
            title="Request promotion"
            description="The gates run at once (run succeeded, dataset validated, metric thresholds, no regression against production); then an ops engineer approves or rejects. You cannot approve your own request."
          />
          <div className="px-5 py-4">
            <RequestPromotionForm
              projectSlug={slug}
              modelName={v.model.name}
              version={v.version}
              disabledReason={notPromotable(v.run.name, v.run.status)}
              deployedIn={v.aliases.filter((a) => a === "staging" || a === "production")}
            />
          </div>
        </Card>
      )}
    </div>
  );
}

/** The service's refusal, said before anyone tries (lib/models/service.ts decides for real). */
function notPromotable(run: string, status: string): string | null {
  if (status === "FINISHED") return null;
  if (status === "RUNNING" || status === "SCHEDULED") return `Run ${run} has not finished yet: only versions of runs that finished successfully can be promoted.`;
  return `Run ${run} ${status === "KILLED" ? "was killed" : "failed"}: a version made by a run that did not succeed cannot be promoted.`;
}

/** The code node's title: the commit, else the image, else the entry point alone. */
function codeTitle(v: VersionDetail): string {
  const c = v.run.code;
  if (c.commit) return `${c.repo ? repoName(c.repo) + " @ " : ""}${c.commit.slice(0, 10)}`;
  if (c.image) return c.image;
  return c.entryPoint ?? "Not recorded";
}

function codeDetail(v: VersionDetail): React.ReactNode {
  const c = v.run.code;
  if (!c.commit && !c.image) return c.entryPoint ? "No git commit or image recorded" : undefined;
  return c.entryPoint ? <span className="truncate font-mono">{c.entryPoint}</span> : undefined;
}

function repoName(repo: string): string {
  return repo.replace(/\.git$/, "").split(/[/:]/).filter(Boolean).at(-1) ?? repo;
}

function Facts({ items }: { items: { label: string; value: React.ReactNode }[] }) {
  return (
    <dl className="grid gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-2 lg:grid-cols-3">
      {items.map((i) => (
        <div key={i.label} className="min-w-0">
          <dt className="text-slate-500">{i.label}</dt>
          <dd className="mt-0.5 break-words text-slate-800">{i.value}</dd>
        </div>
      ))}
    </dl>
  );
}

function VersionPanel({ v }: { v: VersionDetail }) {
  return (
    <Facts
      items={[
        { label: "Source", value: <code className="font-mono text-xs break-all">{v.source}</code> },
        { label: "Artifact path", value: <code className="font-mono text-xs">{v.artifactPath || "(the run's whole artifact root)"}</code> },
        {
          label: "Artifact digest (sha256)",
          value: v.artifactDigest ? <CopyValue value={v.artifactDigest} shown={shortDigest(v.artifactDigest, 16)!} what="artifact digest" /> : <span className="text-slate-500">No files found</span>,
        },
        { label: "Files", value: formatCount(v.artifactFiles) },
        {
          label: "Aliases and environments",
          value: v.aliases.length ? (
            <span className="flex flex-wrap gap-1">
              {v.aliases.map((a) => (
                <AliasBadge key={a} alias={a} />
              ))}
            </span>
          ) : (
            <span className="text-slate-500">None: not in staging or production</span>
          ),
        },
        { label: "Registered", value: <>{formatDateTime(v.createdAt)} by {v.createdBy ?? "an unknown user"}</> },
      ]}
    />
  );
}

function RunPanel({ slug, v }: { slug: string; v: VersionDetail }) {
  const { run } = v;
  const job = run.job;
  const gpus = job
    ? `${formatGpuAsk(job.gpuCount, job.gpuType)}${job.gpuIndices?.length ? ` (device${job.gpuIndices.length === 1 ? "" : "s"} ${job.gpuIndices.join(", ")})` : ""}`
    : "— (logged from outside Ferry)";
  return (
    <div>
      <Facts
        items={[
          {
            label: "Run",
            value: (
              <Link href={runPageUrl(slug, run.id)} className="font-medium text-brand-700 hover:underline">
                {run.name}
              </Link>
            ),
          },
          { label: "Status", value: <RunStatusBadge status={run.status} /> },
          { label: "By", value: run.user ?? "—" },
          { label: "Started", value: formatDateTime(new Date(run.startTime)) },
          { label: "Duration", value: run.endTime === null ? `running for ${formatDuration(run.startTime, null)}` : formatDuration(run.startTime, run.endTime) },
          {
            label: "Cluster",
            value: job?.cluster ? (
              <Link href={`/clusters/${encodeURIComponent(job.cluster)}`} className="text-brand-700 hover:underline">
                {job.cluster}
              </Link>
            ) : (
              "—"
            ),
          },
          { label: "GPUs", value: gpus },
        ]}
      />
      <div className="border-t border-slate-100">
        <h3 className="px-5 pt-3 text-sm font-semibold text-slate-900">Parameters</h3>
        {run.params.length === 0 ? (
          <p className="px-5 py-3 text-sm text-slate-500">The run logged no parameters.</p>
        ) : (
          <Table label="Run parameters" columns={[{ label: "Parameter" }, { label: "Value" }]}>
            {run.params.map((p) => (
              <tr key={p.key}>
                <Td className="font-mono text-xs text-slate-700">{p.key}</Td>
                <Td className="font-mono text-xs break-all text-slate-900">{p.value}</Td>
              </tr>
            ))}
          </Table>
        )}
      </div>
    </div>
  );
}

function DatasetPanel({ slug, v }: { slug: string; v: VersionDetail }) {
  const d = v.dataset;
  if (!d) {
    return (
      <p className="px-5 py-4 text-sm text-slate-600">
        The run names no Ferry dataset version, so its training data cannot be traced or validated (and the &ldquo;dataset validation passed&rdquo; gate fails). Log
        the input with mlflow.log_input using a source of the form <code className="font-mono text-xs">ferry://{slug}/datasets/&lt;name&gt;/versions/&lt;n&gt;</code>, or
        launch the run with a dataset version.
      </p>
    );
  }
  return (
    <Facts
      items={[
        {
          label: "Dataset version",
          value: (
            <Link href={`/projects/${slug}/datasets/${encodeURIComponent(d.dataset)}/versions/${d.version}`} className="font-medium text-brand-700 hover:underline">
              {d.dataset} v{d.version}
            </Link>
          ),
        },
        { label: "sha256", value: <CopyValue value={d.sha256} shown={shortDigest(d.sha256)!} what="dataset sha256" /> },
        { label: "Validation", value: <ValidationBadge status={d.validationStatus} /> },
        { label: "Rows", value: d.rows === null ? "unknown" : formatCount(d.rows) },
      ]}
    />
  );
}

function CodePanel({ v }: { v: VersionDetail }) {
  const { code, job } = v.run;
  const web = code.repo && /^https?:\/\//.test(code.repo) ? code.repo.replace(/\.git$/, "") : null;
  const none = !code.repo && !code.commit && !code.image && !code.entryPoint && !job?.command;
  if (none) {
    return (
      <p className="px-5 py-4 text-sm text-slate-600">
        The run recorded no code: no git repository and commit (mlflow.source.git.*), no container image and no entry point.
      </p>
    );
  }
  return (
    <div>
      <Facts
        items={[
          ...(code.repo || code.commit
            ? [
                {
                  label: "Repository",
                  value: web ? (
                    <a href={web} target="_blank" rel="noreferrer noopener" className="font-mono text-xs break-all text-brand-700 hover:underline">
                      {code.repo}
                    </a>
                  ) : (
                    <code className="font-mono text-xs break-all">{code.repo ?? "—"}</code>
                  ),
                },
                { label: "Commit", value: code.commit ? <CopyValue value={code.commit} shown={code.commit.slice(0, 12)} what="commit hash" /> : "—" },
              ]
            : []),
          ...(code.image ? [{ label: "Container image", value: <code className="font-mono text-xs break-all">{code.image}</code> }] : []),
          { label: "Entry point", value: code.entryPoint ? <code className="font-mono text-xs break-all">{code.entryPoint}</code> : "—" },
        ]}
      />
      {job?.command && (
        <div className="border-t border-slate-100 px-5 py-4 text-sm">
          <h3 className="text-slate-500">Command</h3>
          <pre className="mt-1 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs leading-5 whitespace-pre-wrap text-slate-100 [overflow-wrap:anywhere]">{job.command}</pre>
        </div>
      )}
    </div>
  );
}

function MetricsCard({ v }: { v: VersionDetail }) {
  const perClassKeys = (k: string) => v.perClass.length > 0 && k.startsWith("class/");
  const key = keyMetrics as readonly string[];
  const others = Object.keys(v.metrics)
    .filter((k) => !key.includes(k) && !perClassKeys(k))
    .sort();
  const anyLogged = Object.keys(v.metrics).length > 0;
  return (
    <Card label="Evaluation metrics">
      <CardHeader title="Evaluation metrics" description="The run's final value of each metric (the value at its highest step)." />
      {!anyLogged ? (
        <EmptyState icon={LineChart} title="No metrics logged">
          The run logged no metrics, so this version cannot be compared or pass metric gates.
        </EmptyState>
      ) : (
        <>
          <dl className="grid grid-cols-2 gap-3 px-5 py-4 sm:grid-cols-3 lg:grid-cols-5">
            {keyMetrics.map((k) => (
              <div key={k} className="rounded-md bg-slate-50 px-3 py-2 ring-1 ring-slate-200 ring-inset">
                <dt className="text-xs text-slate-500">{metricLabel(k)}</dt>
                <dd className="mt-0.5 font-mono text-lg font-semibold text-slate-900 tabular-nums">
                  {v.metrics[k] === undefined ? <span className="text-sm font-normal text-slate-400">not logged</span> : formatModelMetric(v.metrics[k])}
                </dd>
              </div>
            ))}
          </dl>
          {others.length > 0 && (
            <div className="border-t border-slate-100">
              <Table label="Other metrics" columns={[{ label: "Metric" }, { label: "Final value", className: "text-right" }]}>
                {others.map((k) => (
                  <tr key={k}>
                    <Td className="font-mono text-xs text-slate-700">{k}</Td>
                    <Td className="text-right font-mono text-xs text-slate-900 tabular-nums">{formatModelMetric(v.metrics[k])}</Td>
                  </tr>
                ))}
              </Table>
            </div>
          )}
        </>
      )}
    </Card>
  );
}

