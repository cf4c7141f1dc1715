// `npm run db:seed`: creates whatever part of the demo organisation is missing.
import { openDatabase } from "./client";
import { configFromEnv } from "./index";
import { seedDemo } from "./seed";

async function main() {
  const database = await openDatabase(configFromEnv(), (m) => console.log(`[ferry] ${m}`));
  try {
    const result = await seedDemo(database.db);
    console.log(
      `[ferry] Demo seed done: ${result.createdUsers} user(s) created, project ${result.createdProject ? "created" : "already present"}.`,
    );
  } finally {
    await database.close();
  }
}

main().catch((e: unknown) => {
  console.error(`[ferry] db:seed failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
