import { FolderKanban, Plus } from "lucide-react";
import type { Metadata } from "next";
import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { can, personaLabels } from "@/lib/auth/permissions";
import { requireActor } from "@/lib/auth/session";
import { listMyProjects } from "@/lib/projects/current";
import { formatDate } from "@/lib/format";

export const metadata: Metadata = { title: "Projects" };

export default async function ProjectsPage() {
  const actor = await requireActor();
  const projects = await listMyProjects();
  const canCreate = can({ isAdmin: actor.isAdmin, orgRole: actor.orgRole, persona: null }, "projects.create");
  const createButton = canCreate ? (
    <Link href="/projects/new" className={buttonClasses("primary")}>
      <Plus className="size-4" aria-hidden />
      New project
    </Link>
  ) : null;

  return (
    <>
      <PageHeader
        title="Projects"
        description={
          actor.isAdmin
            ? "Every project in the organisation. Each project holds its datasets, runs, models and deployments."
            : "The projects you are a member of, with your persona in each."
        }
        actions={createButton}
      />
      {projects.length === 0 ? (
        <Card>
          <EmptyState icon={FolderKanban} title="No projects yet" action={createButton}>
            {canCreate
              ? "Create the first project, then add its members with their personas."
              : "You are not a member of any project yet. Ask an admin to add you to one."}
          </EmptyState>
        </Card>
      ) : (
        <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label="Projects">
          {projects.map((p) => (
            <li key={p.id}>
              <Link
                href={`/projects/${p.slug}`}
                className="block h-full rounded-lg bg-white p-5 shadow-sm ring-1 ring-slate-200 transition hover:ring-brand-500"
              >
                <div className="flex items-start justify-between gap-3">
                  <h2 className="font-semibold text-slate-900">{p.name}</h2>
                  {p.persona && <Badge tone="brand">{personaLabels[p.persona]}</Badge>}
                </div>
                <p className="mt-0.5 font-mono text-xs text-slate-500">{p.slug}</p>
                <p className="mt-3 line-clamp-2 text-sm text-slate-600">{p.description || "No description."}</p>
                <p className="mt-4 text-xs text-slate-500">
                  {p.memberCount} {p.memberCount === 1 ? "member" : "members"} · created {formatDate(p.createdAt)}
                </p>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
