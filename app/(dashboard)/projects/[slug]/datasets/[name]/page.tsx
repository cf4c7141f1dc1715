import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { Forbidden } from "@/components/shell/forbidden";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyRow, Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { NotFoundError } from "@/lib/actions/safe-error";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { getDataset, listRules, listVersions } from "@/lib/datasets/queries";
import { describeRule } from "@/lib/datasets/rules";
import { versionsPageSchema } from "@/lib/datasets/schemas";
import { datasetUrl, versionUrl } from "@/lib/datasets/service";
import { formatBytes, formatCount, formatDateTime } from "@/lib/format";
import { uploadLimitBytes } from "@/lib/env";
import { AddRuleForm, DeleteRuleButton } from "./rule-forms";
import { NewVersionPanel } from "./new-version-panel";

type Props = { params: Promise<{ slug: string; name: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { name } = await params;
  return { title: decodeURIComponent(name) };
}

export default async function DatasetPage({ params, searchParams }: Props) {
  const { slug, name: rawName } = await params;
  const name = decodeURIComponent(rawName);
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const db = await getDb();
  const dataset = await getDataset(db, project.id, name).catch((e) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
  const page = versionsPageSchema.safeParse(await searchParams);
  const [versions, rules] = await Promise.all([
    listVersions(db, project.id, dataset.id, page.success ? page.data : { limit: 50 }),
    listRules(db, project.id, dataset.id),
  ]);
  const canWrite = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "datasets.write");
  const base = datasetUrl(project, dataset.name);

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-slate-500">
          <Link href={`/projects/${project.slug}/datasets`} className="hover:underline">
            Datasets
          </Link>{" "}
          /
        </p>
        <h2 className="text-xl font-semibold text-slate-900">{dataset.name}</h2>
        {dataset.description && <p className="mt-1 max-w-3xl text-sm text-slate-600">{dataset.description}</p>}
      </div>

      {canWrite && (
        <NewVersionPanel
          projectSlug={project.slug}
          datasetName={dataset.name}
          uploadUrl={`/api/v1/projects/${project.slug}/datasets/${encodeURIComponent(dataset.name)}/versions`}
          limitBytes={uploadLimitBytes}
          limitLabel={formatBytes(uploadLimitBytes)}
        />
      )}

      <Card>
        <CardHeader title="Versions" description="Immutable. Newest first." />
        <Table
          label="Versions"
          columns={[
            { label: "Version" },
            { label: "Digest" },
            { label: "Rows", className: "text-right" },
            { label: "Columns", className: "text-right" },
            { label: "Size", className: "text-right" },
            { label: "Validation" },
            { label: "Author" },
            { label: "Created" },
          ]}
        >
          {versions.items.length === 0 && (
            <EmptyRow colSpan={8}>{canWrite ? "No versions yet. Upload a CSV above." : "No versions yet."}</EmptyRow>
          )}
          {versions.items.map((v) => (
            <tr key={v.version} className="hover:bg-slate-50" data-testid={`version-${v.version}`}>
              <Td>
                <Link href={versionUrl(project, dataset.name, v.version)} className="font-medium text-brand-700 hover:underline">
                  v{v.version}
                </Link>
                {v.source === "reference" && <span className="ml-2 text-xs text-slate-500">reference</span>}
              </Td>
              <Td>
                <code className="text-xs text-slate-600" title={v.sha256}>
                  {v.sha256.slice(0, 12)}
                </code>
              </Td>
              <Td className="text-right tabular-nums">{v.rowCount !== null ? formatCount(v.rowCount) : "—"}</Td>
              <Td className="text-right tabular-nums">{v.columnCount ?? "—"}</Td>
              <Td className="text-right tabular-nums text-slate-600">{v.sizeBytes !== null ? formatBytes(v.sizeBytes) : "—"}</Td>
              <Td>
                <ValidationBadge status={v.validationStatus} />
              </Td>
              <Td className="text-slate-700">{v.authorName ?? v.authorEmail ?? "—"}</Td>
              <Td className="whitespace-nowrap text-slate-600">{formatDateTime(v.createdAt)}</Td>
            </tr>
          ))}
        </Table>
        {(versions.nextBefore || page.data?.before) && (
          <div className="flex justify-between border-t border-slate-100 px-5 py-3 text-sm">
            {page.data?.before ? (
              <Link href={base} className={buttonClasses("secondary", "sm")}>
                Newest
              </Link>
            ) : (
              <span />
            )}
            {versions.nextBefore && (
              <Link href={`${base}?before=${versions.nextBefore}`} className={buttonClasses("secondary", "sm")}>
                Older versions
              </Link>
            )}
          </div>
        )}
      </Card>

      <Card>
        <CardHeader
          title="Validation rules"
          description="Checked on every new version. A failing rule of severity “warn” marks the version with a warning; “fail” marks it failed."
        />
        <ul className="divide-y divide-slate-100" aria-label="Validation rules">
          {rules.length === 0 && <li className="px-5 py-6 text-center text-sm text-slate-500">No rules yet.</li>}
          {rules.map((r) => (
            <li key={r.id} className="flex items-center justify-between gap-4 px-5 py-3 text-sm">
              <div className="flex min-w-0 items-center gap-2">
                {/* Severity, not an outcome: neutral, so it is not mistaken for a failed check. */}
                <Badge tone="neutral" className="w-24 justify-center">
                  {r.severity === "warn" ? "warns" : "fails version"}
                </Badge>
                <span className="truncate text-slate-800">{describeRule(r)}</span>
              </div>
              {canWrite && <DeleteRuleButton projectSlug={project.slug} datasetName={dataset.name} ruleId={r.id} label={describeRule(r)} />}
            </li>
          ))}
        </ul>
        {canWrite && (
          <div className="border-t border-slate-100 px-5 py-4">
            <AddRuleForm projectSlug={project.slug} datasetName={dataset.name} />
          </div>
        )}
      </Card>
    </div>
  );
}
