// Test support: one more server process running the pipeline scheduler (lib/pipelines/scheduler.ts,
// as lib/startup.ts starts it) against the PostgreSQL database in FERRY_TEST_PROCESS_DB, so that a
// test can run two of them side by side. Run with `node --conditions=react-server --import tsx`.
import { openDatabase } from "@/db/client";
import { startScheduler } from "./scheduler";

const url = process.env.FERRY_TEST_PROCESS_DB;
if (!url) throw new Error("FERRY_TEST_PROCESS_DB is not set");
const { db, close } = await openDatabase({ kind: "postgres", url, poolSize: 4 });
const handle = startScheduler(db, {
  tickMs: Number(process.env.FERRY_TEST_TICK_MS ?? 200),
  leaseMs: Number(process.env.FERRY_TEST_LEASE_MS ?? 2000),
  holder: process.env.FERRY_TEST_HOLDER,
  log: (line) => console.log(line),
});
console.log(`ready ${handle.holder}`);
process.on("SIGTERM", () => {
  void handle.stop().then(close).then(() => process.exit(0));
});
