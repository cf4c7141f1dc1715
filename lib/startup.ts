import { getDatabase } from "@/db";
import { sweepStaging } from "@/lib/artifacts/store";
import { resolveAuthSecret } from "@/lib/auth/secret";
import { dataDir, env, isProduction } from "@/lib/env";

export async function startServer(): Promise<void> {
  try {
    resolveAuthSecret({ secret: env.AUTH_SECRET, isProduction, dataDir });
    await getDatabase();
    // Uploads interrupted by a crash leave staging directories behind; nothing refers to them.
    await sweepStaging().catch(() => {});
  } catch (e) {
    console.error(`\n[ferry] Cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  }
}
