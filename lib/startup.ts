import { getDatabase } from "@/db";
import { sweepStaging } from "@/lib/artifacts/store";
import { resolveAuthSecret } from "@/lib/auth/secret";
import { startLocalAgent } from "@/lib/clusters/local-agent";
import { startOfflineSweeper } from "@/lib/clusters/sweeper";
import { dataDir, env, isProduction, pipelineLeaseMs, pipelineTickMs } from "@/lib/env";
import { startPipelineScheduler } from "@/lib/pipelines/scheduler";

export async function startServer(): Promise<void> {
  try {
    resolveAuthSecret({ secret: env.AUTH_SECRET, isProduction, dataDir });
    const { db } = await getDatabase();
    // Uploads interrupted by a crash leave staging directories behind; nothing refers to them.
    await sweepStaging().catch(() => {});
    startOfflineSweeper(db);
    // Continuous-training triggers; schedules missed while the server was down fire once now.
    startPipelineScheduler(db, pipelineTickMs, pipelineLeaseMs);
    await startLocalAgent(db);
  } catch (e) {
    console.error(`\n[ferry] Cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
