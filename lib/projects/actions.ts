"use server";

import { formAction } from "@/lib/actions/client";
import { addMemberSchema, changePersonaSchema, createProjectSchema, removeMemberSchema } from "./schemas";
import { requireProjectBySlug } from "./queries";
import { addMember, changePersona, createProject, removeMember } from "./service";

export const createProjectAction = formAction({
  permission: "projects.create",
  input: createProjectSchema,
  run: async ({ db, auth, input }) => {
    const project = await createProject(db, auth.actor, input);
    return { redirectTo: `/projects/${project.slug}`, revalidate: ["/projects"] };
  },
});

// Membership changes are project-scoped in the data but gated by the org-level "members.manage"
// permission (admins only); the project is still resolved so non-existent projects are refused.
export const addMemberAction = formAction({
  permission: "members.manage",
  input: addMemberSchema,
  run: async ({ db, auth, input }) => {
    const project = await requireProjectBySlug(db, input.projectSlug);
    await addMember(db, auth.actor, project, input);
    return { message: `${input.email} added.`, revalidate: [`/projects/${project.slug}`, `/projects/${project.slug}/members`] };
  },
});

export const changePersonaAction = formAction({
  permission: "members.manage",
  input: changePersonaSchema,
  run: async ({ db, auth, input }) => {
    const project = await requireProjectBySlug(db, input.projectSlug);
    await changePersona(db, auth.actor, project, input);
    return { message: "Persona updated.", revalidate: [`/projects/${project.slug}`, `/projects/${project.slug}/members`] };
  },
});

export const removeMemberAction = formAction({
  permission: "members.manage",
  input: removeMemberSchema,
  run: async ({ db, auth, input }) => {
    const project = await requireProjectBySlug(db, input.projectSlug);
    await removeMember(db, auth.actor, project, input);
    return { message: "Member removed.", revalidate: [`/projects/${project.slug}`, `/projects/${project.slug}/members`] };
  },
});
