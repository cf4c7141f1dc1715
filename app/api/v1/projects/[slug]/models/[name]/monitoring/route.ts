import { connection, NextResponse } from "next/server";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { getMonitoringSettings, setMonitoringSettings } from "@/lib/monitoring/settings";
import { monitoringSettingsBodySchema } from "@/lib/monitoring/settings-schemas";

type Params = { params: Promise<{ slug: string; name: string }> };

const example = `{"referenceDataset": {"dataset": "subscribers", "version": 3}, "columns": {"age": {"method": "psi", "threshold": 0.2}}}`;

/** The model's monitoring settings: reference, per-column method and threshold, ingest tokens (no hashes). */
export async function GET(request: Request, { params }: Params) {
  await connection();
  try {
    const { db, model } = await modelForRequest(request, "projects.read", await params);
    return NextResponse.json(await getMonitoringSettings(db, model));
  } catch (e) {
    return errorResponse(e);
  }
}

/** Chooses the reference dataset version (null: the production version's training data) and per-column settings (ML engineers, ops, admins). */
export async function PUT(request: Request, { params }: Params) {
  await connection();
  try {
    const { db, actor, model } = await modelForRequest(request, "gates.edit", await params);
    const input = await parseJsonBody(request, monitoringSettingsBodySchema, example, 256 * 1024);
    return NextResponse.json(await setMonitoringSettings(db, actor, model, input));
  } catch (e) {
    return errorResponse(e);
  }
}
