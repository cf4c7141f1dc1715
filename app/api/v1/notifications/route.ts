import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { getNotificationCounts } from "@/lib/models/queries";

/** The caller's in-app notifications: {toDecide, decisions} (the Approvals badge polls it). */
export async function GET(request: Request) {
  await connection();
  try {
    // Every active user has "account.update": this reads only the caller's own counts.
    const { actor } = await authorizeApiRequest(request, "account.update");
    return NextResponse.json(await getNotificationCounts(await getDb(), actor), { headers: { "cache-control": "no-store" } });
  } catch (e) {
    return errorResponse(e);
  }
}
