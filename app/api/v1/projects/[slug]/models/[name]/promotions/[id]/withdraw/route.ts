import { decisionRoute } from "@/lib/models/http";
import { withdrawSchema } from "@/lib/models/schemas";
import { withdrawPromotion } from "@/lib/models/service";

/** The requester takes back an open request (reason optional): {id, status: "void"}. */
export const POST = decisionRoute("promotions.request", withdrawSchema, `{"reason": "Found a leak in the features"}`, withdrawPromotion);
