import { EventEmitter } from "node:events";

// Wakes waiting claim long-polls in this server process when the queue or the free GPUs change.
// Other server processes (several Ferry servers on one PostgreSQL) notice at their next poll.

const key = Symbol.for("ferry.queueEvents");
const g = globalThis as unknown as Record<symbol, EventEmitter | undefined>;
const emitter: EventEmitter = (g[key] ??= new EventEmitter().setMaxListeners(0));

export function notifyQueueChange(): void {
  emitter.emit("change");
}

export function waitForQueueChange(timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      emitter.off("change", done);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    emitter.on("change", done);
    signal?.addEventListener("abort", done);
  });
}
