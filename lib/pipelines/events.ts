import { EventEmitter } from "node:events";

// Wakes this server process's pipeline scheduler at once when something a pipeline waits for
// happened here (a dataset version, a run that ended, a drift alert, a manual start). Other server
// processes notice at their next tick.

const key = Symbol.for("ferry.pipelineEvents");
const g = globalThis as unknown as Record<symbol, EventEmitter | undefined>;
const emitter: EventEmitter = (g[key] ??= new EventEmitter().setMaxListeners(0));

export function pokePipelines(): void {
  emitter.emit("poke");
}

export function onPipelinePoke(listener: () => void): () => void {
  emitter.on("poke", listener);
  return () => emitter.off("poke", listener);
}
