import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { PageHeader } from "@/components/ui/page-header";
import { personaLabels } from "@/lib/auth/permissions";
import { authorizeProjectPage } from "@/lib/auth/session";
import { ProjectTabs } from "./project-tabs";

export default async function ProjectLayout({
  children,
  params,
}: {
  children: React.ReactNode;
  params: Promise<{ slug: string }>;
}) {
  const { slug } = await params;
  const auth = await authorizeProjectPage("projects.read", slug);
  if (!auth.ok) return children; // the page renders the refusal
  const { project, persona, actor } = auth.ctx;
  const role = persona ? personaLabels[persona] : actor.isAdmin ? "Admin (not a member)" : null;
  return (
    <>
      <PageHeader
        eyebrow={
          <Link href="/projects" className="hover:underline">
            Projects
          </Link>
        }
        title={project.name}
        actions={role && <Badge tone="brand">You: {role}</Badge>}
      />
      <ProjectTabs slug={project.slug} />
      <div className="mt-6">{children}</div>
    </>
  );
}
