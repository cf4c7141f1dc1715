import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { listDecidableProjectIds } from "@/lib/models/queries";
import { approvalsUrl } from "@/lib/models/urls";
import { listMyProjects } from "@/lib/projects/current";

// Each persona's home (DESIGN §1): a temporary password first; ops (whoever decides promotions in
// a project) the approvals queue; someone who is a manager in every project they belong to the
// model-health overview; someone in exactly one project lands in it; everyone else (admins,
// multi-project people) on the projects list.
export default async function Home() {
  const actor = await requireActor();
  if (actor.mustChangePassword) redirect("/account");
  if (!actor.isAdmin) {
    if ((await listDecidableProjectIds(await getDb(), actor)).length > 0) redirect(approvalsUrl);
    const projects = await listMyProjects();
    if (projects.length > 0 && projects.every((p) => p.persona === "manager")) redirect("/health");
    if (projects.length === 1) redirect(`/projects/${projects[0]!.slug}`);
  }
  redirect("/projects");
}
