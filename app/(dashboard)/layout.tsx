import Link from "next/link";
import { Providers } from "@/components/providers";
import { Sidebar } from "@/components/shell/sidebar";
import { Alert } from "@/components/ui/alert";
import { getDb } from "@/db";
import { navFor } from "@/lib/auth/navigation";
import { orgRoleLabels, personaLabels } from "@/lib/auth/permissions";
import { requireActor } from "@/lib/auth/session";
import { getNotificationCounts } from "@/lib/models/queries";
import { listMyProjects } from "@/lib/projects/current";

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const actor = await requireActor();
  const [projects, approvals] = await Promise.all([listMyProjects(), getNotificationCounts(await getDb(), actor)]);
  const roleLabel = actor.isAdmin ? "Admin" : actor.orgRole === "ops" ? `Org role: ${orgRoleLabels.ops}` : "Member";
  return (
    <Providers>
      <div className="min-h-screen lg:flex">
        <Sidebar
          items={navFor(actor)}
          projects={projects
            .filter((p) => p.persona)
            .map((p) => ({ slug: p.slug, name: p.name, personaLabel: p.persona ? personaLabels[p.persona] : null }))}
          user={{ name: actor.name, email: actor.email, roleLabel }}
          approvals={approvals}
        />
        <div className="min-w-0 flex-1">
          <main className="mx-auto max-w-6xl px-4 py-6 sm:px-8 sm:py-8">
            {actor.mustChangePassword && (
              <Alert tone="warning" className="mb-6">
                You are signed in with a temporary password.{" "}
                <Link href="/account" className="font-medium underline">
                  Choose your own password
                </Link>{" "}
                before you go on.
              </Alert>
            )}
            {children}
          </main>
        </div>
      </div>
    </Providers>
  );
}
