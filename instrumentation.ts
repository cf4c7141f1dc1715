// Runs once when a Next.js server starts (never during `next build`): check configuration and open
// the database up front, so start-up says what it is doing and fails early with a clear message.
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { startServer } = await import("./lib/startup");
  await startServer();
}
