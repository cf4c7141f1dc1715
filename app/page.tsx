import { redirect } from "next/navigation";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { listProjectsForActor } from "@/lib/projects/queries";

// Each persona's home: a temporary password first; someone in exactly one project lands in it;
// everyone else (admins, multi-project people) on the projects list.
export default async function Home() {
  const actor = await requireActor();
  if (actor.mustChangePassword) redirect("/account");
  if (!actor.isAdmin) {
    const projects = await listProjectsForActor(await getDb(), actor);
    if (projects.length === 1) redirect(`/projects/${projects[0]!.slug}`);
  }
  redirect("/projects");
}
