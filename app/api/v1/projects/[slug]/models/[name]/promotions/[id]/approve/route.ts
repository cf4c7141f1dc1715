import { decisionRoute } from "@/lib/models/http";
import { approveSchema } from "@/lib/models/schemas";
import { approvePromotion } from "@/lib/models/service";

/** Approves a pending request (never one's own) and deploys its version: {id, status: "approved"}. */
export const POST = decisionRoute("promotions.decide", approveSchema, `{"reason": "Gates passed; checked the shadow traffic report"}`, (db, actor, model, id, reason) => approvePromotion(db, actor, model, id, reason!));
