import type { Metadata } from "next";
import Link from "next/link";
import { Forbidden } from "@/components/shell/forbidden";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { authorizePage } from "@/lib/auth/session";
import { CreateProjectForm } from "./create-project-form";

export const metadata: Metadata = { title: "New project" };

export default async function NewProjectPage() {
  const auth = await authorizePage("projects.create");
  return (
    <>
      <PageHeader
        eyebrow={<Link href="/projects" className="hover:underline">Projects</Link>}
        title="New project"
        description="A project groups the datasets, training runs, models and deployments of one ML problem."
      />
      {auth.ok ? (
        <Card className="max-w-2xl p-6">
          <CreateProjectForm />
        </Card>
      ) : (
        <Forbidden reason={auth.reason} />
      )}
    </>
  );
}
