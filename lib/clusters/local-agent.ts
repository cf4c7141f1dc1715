import "server-only";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import type { Db } from "@/db";
import { clusters } from "@/db/schema";
import { generateAgentToken, hashApiToken } from "@/lib/auth/tokens";
import { childEnv, dataDir, env, serverPort } from "@/lib/env";

// The embedded default (DESIGN §3): the web server starts an agent for the cluster "local", so a fresh
// install runs launched jobs on this machine with no set-up. The agent is a separate process talking
// to this server over HTTP like any other agent. Its token lives in the data directory (mode 0600),
// so a restarted server hands the same token to the next agent, which re-attaches to running jobs.

export const LOCAL_CLUSTER = "local";

const jobEnvAllowed = [/^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|TERM|TZ|TMPDIR|PWD)$/, /^LC_/, /^(HTTPS?|NO)_PROXY$/i, /^(CUDA|NVIDIA)_/, /^PYTHON/, /^(CONDA|VIRTUAL_ENV)/];

const key = Symbol.for("ferry.localAgent");
const g = globalThis as unknown as Record<symbol, ChildProcess | undefined>;

/**
 * Creates the cluster "local" if missing and makes sure the token file matches it. Returns null (and
 * says why) when the cluster named "local" is not this machine's to take: another executor, or a token
 * an admin revoked.
 */
export async function ensureLocalCluster(db: Db): Promise<string | null> {
  const tokenFile = path.join(dataDir, "agent", "local.token");
  const saved = fs.existsSync(tokenFile) ? fs.readFileSync(tokenFile, "utf8").trim() : null;
  const [row] = await db
    .select({ id: clusters.id, hash: clusters.agentTokenHash, executor: clusters.executor })
    .from(clusters)
    .where(eq(clusters.name, LOCAL_CLUSTER));
  if (row && row.executor !== "local") {
    console.log(`[ferry] not starting the local agent: the cluster named "${LOCAL_CLUSTER}" uses the ${row.executor} executor.`);
    return null;
  }
  if (row && row.hash === null) {
    console.log(`[ferry] not starting the local agent: the agent token of cluster "${LOCAL_CLUSTER}" was revoked. Issue a new one on its page to run it again.`);
    return null;
  }
  if (row && saved && row.hash === hashApiToken(saved)) return saved;
  const { token, hash, displayPrefix } = generateAgentToken();
  if (row) {
    await db.update(clusters).set({ agentTokenHash: hash, agentTokenPrefix: displayPrefix, agentTokenIssuedAt: new Date() }).where(eq(clusters.id, row.id));
  } else {
    await db
      .insert(clusters)
      .values({
        name: LOCAL_CLUSTER,
        executor: "local",
        description: "This machine: jobs run as child processes of the agent the web server starts.",
        agentTokenHash: hash,
        agentTokenPrefix: displayPrefix,
        agentTokenIssuedAt: new Date(),
      })
      .onConflictDoNothing();
  }
  fs.mkdirSync(path.dirname(tokenFile), { recursive: true });
  fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  return token;
}

/** Starts the local agent as a child process that exits with this server (its jobs keep running). */
export async function startLocalAgent(db: Db): Promise<void> {
  if (!env.FERRY_LOCAL_AGENT || g[key]) return;
  const token = await ensureLocalCluster(db);
  if (!token) return;
  const root = process.cwd();
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  const args = [
    path.join(root, "lib", "agent", "cli.ts"),
    "--server", `http://127.0.0.1:${serverPort()}`,
    "--executor", "local",
    "--state-dir", path.join(dataDir, "agent", "local"),
    "--parent-pid", String(process.pid),
    ...(env.FERRY_LOCAL_AGENT_GPUS ? ["--gpus", env.FERRY_LOCAL_AGENT_GPUS] : []),
  ];
  const child = spawn(tsx, args, {
    cwd: root,
    // Only what a job needs from this environment (jobs run user code: the server's secrets stay here).
    // The token goes by environment, not argv, so it does not show in `ps`.
    env: childEnv(jobEnvAllowed, { FERRY_AGENT_TOKEN: token }) as unknown as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  g[key] = child;
  const relay = (data: Buffer) => {
    for (const line of data.toString().split("\n")) if (line.trim() && !env.FERRY_LOG_QUIET) console.log(`[local agent] ${line}`);
  };
  child.stdout!.on("data", relay);
  child.stderr!.on("data", relay);
  child.on("exit", (code) => {
    g[key] = undefined;
    if (code !== 0 && code !== null) console.error(`[ferry] the local agent exited with code ${code}; launched runs on "local" will wait until the server restarts.`);
  });
}
