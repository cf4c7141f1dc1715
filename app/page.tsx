import { redirect } from "next/navigation";
import { requireActor } from "@/lib/auth/session";
import { listMyProjects } from "@/lib/projects/current";

// Each persona's home: a temporary password first; someone in exactly one project lands in it;
// everyone else (admins, multi-project people) on the projects list.
export default async function Home() {
  const actor = await requireActor();
  if (actor.mustChangePassword) redirect("/account");
  if (!actor.isAdmin) {
    const projects = await listMyProjects();
    if (projects.length === 1) redirect(`/projects/${projects[0]!.slug}`);
  }
  redirect("/projects");
}
