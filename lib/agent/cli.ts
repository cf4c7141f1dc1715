// `npm run agent -- --server <url> --token <token> [options]`: the Ferry agent. It runs next to a
// cluster, connects out to Ferry over HTTP, and runs the jobs Ferry hands it. See config.ts for the
// options and runner.ts for what it does.
import { ConfigError, parseConfig, USAGE } from "./config";
import { consoleLogger } from "./logger";
import { startAgent } from "./runner";

// Started by the web server with --parent-pid, the agent can outlive the pipe its output goes to:
// writing there must not crash it.
process.stdout.on("error", () => {});
process.stderr.on("error", () => {});

async function main(): Promise<number> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    consoleLogger.error(`${error.message}\nRun with --help for the options.`);
    return 2;
  }
  if (config === null) {
    console.log(USAGE);
    return 0;
  }
  const agent = startAgent(config);
  // Once: a second Ctrl-C ends the agent at once (the default action).
  const onSignal = (signal: NodeJS.Signals) => {
    consoleLogger.info(`${signal}: stopping; running jobs keep running and are re-attached at the next start`);
    void agent.stop();
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  return agent.done;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    consoleLogger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
