import { sql } from "drizzle-orm";
import { connection, NextResponse } from "next/server";
import { getDatabase } from "@/db";

// Public on purpose (load balancers and uptime checks call it): it reveals only that the app and
// its database answer, and which kind of database it is.
export async function GET() {
  await connection();
  try {
    const { db, kind } = await getDatabase();
    await db.execute(sql`select 1`);
    return NextResponse.json({ status: "ok", database: kind });
  } catch (e) {
    console.error("[ferry] health check: database unavailable:", e);
    return NextResponse.json({ status: "error", database: "unavailable" }, { status: 503 });
  }
}
