import { Database } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "@/components/shell/forbidden";
import { ValidationBadge } from "@/components/datasets/validation-badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { listDatasets } from "@/lib/datasets/queries";
import { datasetUrl } from "@/lib/datasets/service";
import { formatCount, formatRelative } from "@/lib/format";
import { CreateDatasetForm } from "./create-dataset-form";

export const metadata: Metadata = { title: "Datasets" };

export default async function DatasetsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const items = await listDatasets(await getDb(), project.id);
  const canWrite = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "datasets.write");

  return (
    <div className="space-y-6">
      <Card>
        <CardHeader
          title="Datasets"
          description="Immutable, numbered versions with a content digest, a schema, a per-column profile and validation results."
        />
        {items.length === 0 ? (
          <EmptyState icon={Database} title="No datasets yet">
            {canWrite
              ? "Create a dataset below, then upload a CSV or register data that lives in S3 or on a web server."
              : "Data scientists and ML engineers of this project create datasets; they will show up here."}
          </EmptyState>
        ) : (
          <Table
            label="Datasets"
            columns={[{ label: "Name" }, { label: "Latest version" }, { label: "Rows" }, { label: "Validation" }, { label: "Updated" }]}
          >
            {items.map((d) => (
              <tr key={d.id} className="hover:bg-slate-50">
                <Td>
                  <Link href={datasetUrl(project, d.name)} className="font-medium text-brand-700 hover:underline">
                    {d.name}
                  </Link>
                  {d.description && <p className="mt-0.5 line-clamp-1 max-w-md text-xs text-slate-500">{d.description}</p>}
                </Td>
                <Td className="tabular-nums text-slate-700">{d.latestVersion ? `v${d.latestVersion}` : "—"}</Td>
                <Td className="tabular-nums text-slate-700">{d.latestRowCount !== null ? formatCount(d.latestRowCount) : "—"}</Td>
                <Td>{d.latestValidation ? <ValidationBadge status={d.latestValidation} /> : <span className="text-slate-400">No versions</span>}</Td>
                <Td className="text-slate-600">{formatRelative(d.updatedAt)}</Td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      {canWrite && (
        <Card>
          <CardHeader title="New dataset" description="A name for a family of versions, e.g. customers or transactions-2026." />
          <div className="px-5 py-4">
            <CreateDatasetForm projectSlug={project.slug} />
          </div>
        </Card>
      )}
    </div>
  );
}
