import { decisionRoute } from "@/lib/models/http";
import { overrideSchema } from "@/lib/models/schemas";
import { overrideGates } from "@/lib/models/service";

/** Admins only (the persona check lets ops through; overrideGates refuses anyone but an admin): lets a blocked request wait for approval, with a recorded reason: {id, status: "pending"}. */
export const POST = decisionRoute("promotions.decide", overrideSchema, `{"reason": "The f1 drop is within the noise of the new evaluation set"}`, (db, actor, model, id, reason) => overrideGates(db, actor, model, id, reason!));
