import "server-only";
import type { Db } from "@/db";
import { agentHeartbeatIntervalMs, agentOfflineAfterMs, schedulerLostAfterMs } from "@/lib/env";
import { notifyQueueChange } from "./events";
import { sweepOfflineClusters } from "./scheduler";

const key = Symbol.for("ferry.offlineSweeper");
const g = globalThis as unknown as Record<symbol, NodeJS.Timeout | undefined>;

/**
 * Marks runs of silent clusters lost (and re-queues their unstarted claims), every heartbeat interval.
 * Not before this server has been up for the offline timeout itself: while it was down, agents could
 * not reach it, and their silence says nothing until they have had the time to reconnect.
 */
export function startOfflineSweeper(db: Db): void {
  if (g[key]) return;
  const startedAt = Date.now();
  g[key] = setInterval(() => {
    if (Date.now() - startedAt < agentOfflineAfterMs) return;
    sweepOfflineClusters(db, agentOfflineAfterMs, schedulerLostAfterMs)
      .then((r) => {
        if (r.lost.length || r.requeued.length) {
          console.log(`[ferry] offline clusters: ${r.lost.length} run(s) lost, ${r.requeued.length} re-queued`);
          notifyQueueChange();
        }
      })
      .catch((e) => console.error("[ferry] offline sweep failed:", e));
  }, agentHeartbeatIntervalMs);
  g[key].unref();
}
