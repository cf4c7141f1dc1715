import "server-only";
import { cache } from "react";
import { getDb } from "@/db";
import { requireActor } from "@/lib/auth/session";
import { listProjectsForActor } from "./queries";

/** The signed-in user's projects, read once per request (the shell's sidebar and the page share it). */
export const listMyProjects = cache(async () => listProjectsForActor(await getDb(), await requireActor()));
