import "server-only";
import type { Db } from "@/db";
import type { DatasetInput, KeyValue, MetricPoint, TrackingSink } from "./sink";
import type { Actor, ProjectRef } from "@/lib/auth/authorize";
import { safeSegments, writeRunArtifact } from "./artifact-files";
import { createRun, logBatch, logInputs, recordLoggedModel, requireRun, updateRun, type CreateRunInput } from "./service";

/**
 * A TrackingSink that logs in-process through the tracking service, with no HTTP and no
 * authorization: for trusted server code (the demo seed) that runs the reference trainer. It writes
 * exactly what the REST API would, validation and lineage included.
 */
export class ServiceSink implements TrackingSink {
  constructor(
    private readonly db: Db,
    readonly runId: string,
  ) {}

  /** Creates the run (RUNNING, authored by `actor`) and returns a sink logging to it. */
  static async start(db: Db, actor: Actor, project: ProjectRef, input: CreateRunInput): Promise<ServiceSink> {
    const { id } = await createRun(db, actor, project, input);
    return new ServiceSink(db, id);
  }

  // The run is read again before every call: the service checks its current lifecycle stage, and
  // the run may have been deleted (or ended) by someone else meanwhile. One primary-key read.
  async logBatch(batch: { metrics?: MetricPoint[]; params?: KeyValue[]; tags?: KeyValue[] }): Promise<void> {
    await logBatch(this.db, await requireRun(this.db, this.runId), batch);
  }

  async logInputs(datasets: DatasetInput[]): Promise<void> {
    const inputs = datasets.map((d) => ({
      tags: d.context === undefined ? [] : [{ key: "mlflow.data.context", value: d.context }],
      dataset: { name: d.name, digest: d.digest, source_type: d.sourceType, source: d.source, schema: d.schema, profile: d.profile },
    }));
    await logInputs(this.db, await requireRun(this.db, this.runId), inputs);
  }

  async logArtifact(path: string, content: string | Uint8Array): Promise<void> {
    await writeRunArtifact(await requireRun(this.db, this.runId), safeSegments(path), content);
  }

  async logModel(modelJson: string): Promise<void> {
    await recordLoggedModel(this.db, await requireRun(this.db, this.runId), modelJson);
  }

  async end(status: "FINISHED" | "FAILED", endTime: number): Promise<void> {
    await updateRun(this.db, await requireRun(this.db, this.runId), { status, endTime });
  }
}
