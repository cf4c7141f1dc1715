import { Boxes } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { When } from "@/components/models/when";
import { Forbidden } from "@/components/shell/forbidden";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td } from "@/components/ui/table";
import { getDb } from "@/db";
import { can } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { listModels, type ModelListItem } from "@/lib/models/queries";
import { modelUrl, versionUrl } from "@/lib/models/urls";

export const metadata: Metadata = { title: "Models" };

export default async function ModelsPage({ params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return <Forbidden reason={auth.reason} />;
  const { project, actor, persona } = auth.ctx;
  const models = await listModels(await getDb(), project.id);
  const canRegister = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona }, "models.register");

  return (
    <Card label="Models">
      <CardHeader
        title="Models"
        description="Registered models with numbered versions, each traced to the run, dataset version and code that made it. What runs in staging and production changes only through approved promotion requests."
      />
      {models.length === 0 ? (
        <EmptyState icon={Boxes} title="No models registered yet">
          <p>
            {canRegister ? (
              <>
                Open a{" "}
                <Link href={`/projects/${project.slug}/runs`} className="font-medium text-brand-700 hover:underline">
                  finished run
                </Link>{" "}
                and choose <strong className="font-medium text-slate-700">Register model</strong>, or register from training code with MLflow:
              </>
            ) : (
              "Data scientists and ML engineers register versions from a finished run's page, or from training code with MLflow:"
            )}
          </p>
          <pre className="mt-3 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 text-left font-mono text-xs text-slate-100">
            mlflow.register_model(&quot;runs:/&lt;run_id&gt;/model&quot;, &quot;churn-classifier&quot;)
          </pre>
        </EmptyState>
      ) : (
        <Table
          label="Models"
          columns={[
            { label: "Name" },
            { label: "Versions", className: "text-right" },
            { label: "Latest" },
            { label: "Production" },
            { label: "Staging" },
            { label: "Open requests", className: "text-right whitespace-nowrap" },
          ]}
        >
          {models.map((m) => (
            <tr key={m.name} className="hover:bg-slate-50">
              <Td>
                <Link href={modelUrl(project.slug, m.name)} className="font-medium text-brand-700 hover:underline">
                  {m.name}
                </Link>
                {m.description && <p className="mt-0.5 line-clamp-1 max-w-md text-xs text-slate-500">{m.description}</p>}
              </Td>
              <Td className="text-right text-slate-700 tabular-nums">{m.versions}</Td>
              <Td className="tabular-nums">
                {m.latestVersion === null ? (
                  <span className="text-slate-400">—</span>
                ) : (
                  <Link href={versionUrl(project.slug, m.name, m.latestVersion)} className="text-brand-700 hover:underline">
                    v{m.latestVersion}
                  </Link>
                )}
              </Td>
              <Td>
                <Deployed slug={project.slug} name={m.name} state={m.production} />
              </Td>
              <Td>
                <Deployed slug={project.slug} name={m.name} state={m.staging} />
              </Td>
              <Td className="text-right">
                {m.openRequests > 0 ? (
                  <Link href={modelUrl(project.slug, m.name) + "#requests"} className="hover:underline">
                    <Badge tone="amber">{m.openRequests} open</Badge>
                  </Link>
                ) : (
                  <span className="text-slate-400">None</span>
                )}
              </Td>
            </tr>
          ))}
        </Table>
      )}
    </Card>
  );
}

function Deployed({ slug, name, state }: { slug: string; name: string; state: ModelListItem["production"] }) {
  if (!state) return <span className="whitespace-nowrap text-slate-400">Not deployed</span>;
  return (
    <span className="whitespace-nowrap">
      <Link href={versionUrl(slug, name, state.version)} className="font-medium text-brand-700 tabular-nums hover:underline">
        v{state.version}
      </Link>
      <span className="text-xs text-slate-500">
        {" "}
        since <When iso={state.since} />
      </span>
    </span>
  );
}
