import { Download } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ColumnProfileCard } from "@/components/datasets/column-profile-card";
import { ProfileGrid } from "@/components/datasets/profile-grid";
import { ValidationResults } from "@/components/datasets/validation-results";
import { VersionDiffTable } from "@/components/datasets/version-diff";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { Forbidden } from "@/components/shell/forbidden";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { authorizeProjectPage } from "@/lib/auth/session";
import { diffVersions } from "@/lib/datasets/diff";
import { getDataset, getPreviousVersion, getVersion } from "@/lib/datasets/queries";
import { listRunsForDatasetVersion } from "@/lib/tracking/queries";
import { datasetVersionUri } from "@/lib/tracking/service";
import { RunList } from "@/components/runs/run-list";
import { versionNumberSchema } from "@/lib/datasets/schemas";
import { datasetUrl, versionUrl } from "@/lib/datasets/service";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";

type Props = { params: Promise<{ slug: string; name: string; version: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name, version } = await params;
  return { title: `${decodeURIComponent(name)} v${version}` };
}

function orNotFound<T>(p: Promise<T>): Promise<T> {
  return p.catch((e) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
}

export default async function VersionPage({ params }: Props) {
  const { slug, name: rawName, version: rawVersion } = await params;
  const name = decodeURIComponent(rawName);
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project } = auth.ctx;
  const n = versionNumberSchema.safeParse(rawVersion);
  if (!n.success) notFound();
  const db = await getDb();
  const dataset = await orNotFound(getDataset(db, project.id, name));
  const v = await orNotFound(getVersion(db, project.id, dataset.id, n.data));
  const [prev, trainedRuns] = await Promise.all([getPreviousVersion(db, project.id, dataset.id, v.version), listRunsForDatasetVersion(db, project.id, v.id)]);
  const diff = prev ? diffVersions(prev, v) : null;
  const downloadHref = `/api/v1/projects/${project.slug}/datasets/${encodeURIComponent(dataset.name)}/versions/${v.version}/file`;

  const facts = [
    { label: "Rows", value: v.rowCount !== null ? formatCount(v.rowCount) : "unknown" },
    { label: "Columns", value: v.columns ? String(v.columns.length) : "unknown" },
    { label: "Size", value: v.sizeBytes !== null ? formatBytes(v.sizeBytes) : "—" },
    { label: "Author", value: v.authorName ?? v.authorEmail ?? "—" },
    { label: "Created", value: formatDateTime(v.createdAt) },
  ];

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-sm text-slate-500">
            <Link href={`/projects/${project.slug}/datasets`} className="hover:underline">
              Datasets
            </Link>{" "}
            /{" "}
            <Link href={datasetUrl(project, dataset.name)} className="hover:underline">
              {dataset.name}
            </Link>{" "}
            /
          </p>
          <h2 className="flex items-center gap-3 text-xl font-semibold text-slate-900">
            Version {v.version} <ValidationBadge status={v.validationStatus} />
          </h2>
        </div>
        <div className="flex gap-2">
          {prev && (
            <Link href={versionUrl(project, dataset.name, prev.version)} className={buttonClasses("secondary", "sm")}>
              ← v{prev.version}
            </Link>
          )}
          {v.source === "upload" && (
            <a href={downloadHref} className={buttonClasses("secondary", "sm")} download>
              <Download className="size-4" aria-hidden /> Download CSV
            </a>
          )}
        </div>
      </div>

      <Card>
        <dl className="grid grid-cols-2 gap-x-6 gap-y-3 px-5 py-4 text-sm sm:grid-cols-3 lg:grid-cols-5">
          {facts.map((f) => (
            <div key={f.label}>
              <dt className="text-slate-500">{f.label}</dt>
              <dd className="mt-0.5 font-medium text-slate-900 tabular-nums">{f.value}</dd>
            </div>
          ))}
        </dl>
        <dl className="space-y-2 border-t border-slate-100 px-5 py-4 text-sm">
          <div className="flex flex-wrap gap-x-2">
            <dt className="text-slate-500">sha256</dt>
            <dd>
              <code className="break-all text-xs text-slate-800">{v.sha256}</code>
            </dd>
          </div>
          <div className="flex flex-wrap gap-x-2">
            <dt className="text-slate-500">Tracking URI</dt>
            <dd>
              <code className="text-xs break-all text-slate-800">{datasetVersionUri(project.slug, dataset.name, v.version)}</code>
              <span className="text-slate-500"> — the source to give mlflow.log_input so runs link to this version</span>
            </dd>
          </div>
          <div className="flex flex-wrap gap-x-2">
            <dt className="text-slate-500">{v.source === "upload" ? "Stored as" : "Location"}</dt>
            <dd className="text-slate-800">
              {v.source === "upload" ? (
                <>
                  <code className="text-xs break-all">ferry-artifacts:/{v.uri}</code>
                  {v.filename && <span className="whitespace-nowrap text-slate-500"> (uploaded as {v.filename})</span>}
                </>
              ) : (
                <code className="text-xs break-all">{v.uri}</code>
              )}
            </dd>
          </div>
        </dl>
      </Card>

      <Card>
        <CardHeader title="Runs trained on this version" description="Runs whose logged inputs name this version (by its tracking URI or a prefix of its sha256)." />
        {trainedRuns.length === 0 ? (
          <p className="px-5 py-4 text-sm text-slate-500">No run has logged this version as an input yet.</p>
        ) : (
          <RunList
            slug={project.slug}
            label="Runs trained on this version"
            runs={trainedRuns.map((r) => ({ ...r, detail: formatDateTime(new Date(r.startTime)) }))}
          />
        )}
      </Card>

      <Card>
        <CardHeader title="Validation" description="Rules of this dataset, as they stood when the version was registered." />
        <ValidationResults results={v.validation} />
      </Card>

      {diff && prev && (
        <Card>
          <CardHeader title={`Changes since v${prev.version}`} description="Columns added, removed or retyped; shift of each column's mean and null rate." />
          <VersionDiffTable diff={diff} />
        </Card>
      )}

      <section aria-labelledby="profile-heading" className="space-y-3">
        <h2 id="profile-heading" className="text-base font-semibold text-slate-900">
          Schema and profile
        </h2>
        {v.profile ? (
          <ProfileGrid names={v.profile.columns.map((c) => c.name)}>
            {v.profile.columns.map((c) => (
              <ColumnProfileCard key={c.name} column={c} rowCount={v.profile!.rowCount} />
            ))}
          </ProfileGrid>
        ) : (
          <Card>
            <div className="px-5 py-6 text-sm text-slate-600">
              {v.columns?.length ? (
                <>
                  <p className="mb-3">This version references external data, so Ferry has no profile. Declared schema:</p>
                  <ul className="flex flex-wrap gap-2">
                    {v.columns.map((c) => (
                      <li key={c.name} className="rounded bg-slate-100 px-2 py-1 text-xs">
                        <span className="font-medium text-slate-800">{c.name}</span> <span className="text-slate-500">{c.type}</span>
                      </li>
                    ))}
                  </ul>
                </>
              ) : (
                "This version references external data without a declared schema, so there is no profile to show."
              )}
            </div>
          </Card>
        )}
      </section>
    </div>
  );
}
