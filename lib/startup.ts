import { getDatabase } from "@/db";
import { sweepStaging } from "@/lib/artifacts/store";
import { resolveAuthSecret } from "@/lib/auth/secret";
import { startLocalAgent } from "@/lib/clusters/local-agent";
import { startOfflineSweeper } from "@/lib/clusters/sweeper";
import { dataDir, env, isProduction } from "@/lib/env";

export async function startServer(): Promise<void> {
  try {
    resolveAuthSecret({ secret: env.AUTH_SECRET, isProduction, dataDir });
    const { db } = await getDatabase();
    // Uploads interrupted by a crash leave staging directories behind; nothing refers to them.
    await sweepStaging().catch(() => {});
    startOfflineSweeper(db);
    await startLocalAgent(db);
  } catch (e) {
    console.error(`\n[ferry] Cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
