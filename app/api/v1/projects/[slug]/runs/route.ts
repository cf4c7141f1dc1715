import { connection, NextResponse } from "next/server";
import { getDb } from "@/db";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { authorizeApiRequest } from "@/lib/auth/session";
import { launchRunSchema } from "@/lib/runs/schemas";
import { launchRun } from "@/lib/runs/service";

type Params = { params: Promise<{ slug: string }> };

const example = `{"command": "python train.py --lr {lr}", "params": {"lr": "0.01"}, "gpus": {"count": 1, "type": "h100"}, "cluster": "any"}`;

/** Launches a training run with the launch form's rules: 201 {id, status}. The id is the MLflow run id. */
export async function POST(request: Request, { params }: Params) {
  await connection();
  try {
    const { slug } = await params;
    const { actor, project } = await authorizeApiRequest(request, "runs.write", { projectSlug: slug });
    const input = await parseJsonBody(request, launchRunSchema, example, 64 * 1024);
    const run = await launchRun(await getDb(), actor, project, input);
    return NextResponse.json(run, { status: 201 });
  } catch (e) {
    return errorResponse(e);
  }
}
