import { connection, NextResponse } from "next/server";
import { z } from "zod";
import { errorResponse, parseJsonBody } from "@/lib/api/respond";
import { modelForRequest } from "@/lib/models/http";
import { setWebhook } from "@/lib/monitoring/alerts";

type Params = { params: Promise<{ slug: string; name: string }> };

const bodySchema = z.object({ url: z.string().trim().max(2000).url("Give the webhook as an http(s) URL.").nullable() });

/** PUT {url} sets the model's alert webhook (null removes it); private, loopback and link-local targets are refused. */
export async function PUT(request: Request, { params }: Params) {
  await connection();
  try {
    const { db, actor, model } = await modelForRequest(request, "gates.edit", await params);
    const { url } = await parseJsonBody(request, bodySchema, `{"url": "https://hooks.example.com/ferry"}`);
    await setWebhook(db, actor, model, url);
    return NextResponse.json({ url });
  } catch (e) {
    return errorResponse(e);
  }
}
