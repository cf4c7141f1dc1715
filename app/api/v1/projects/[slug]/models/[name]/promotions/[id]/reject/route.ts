import { decisionRoute } from "@/lib/models/http";
import { rejectSchema } from "@/lib/models/schemas";
import { rejectPromotion } from "@/lib/models/service";

/** Rejects an open request (never one's own) with a reason: {id, status: "rejected"}. */
export const POST = decisionRoute("promotions.decide", rejectSchema, `{"reason": "Needs a fairness review first"}`, (db, actor, model, id, reason) => rejectPromotion(db, actor, model, id, reason!));
