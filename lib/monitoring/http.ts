import "server-only";
import { promisify } from "node:util";
import zlib from "node:zlib";
import { SafeError } from "@/lib/actions/safe-error";

const gunzip = promisify(zlib.gunzip);

/** A JSON body, gzip-compressed or not, at most `maxBytes` once decompressed (413 beyond). */
export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) throw new SafeError("Send JSON with Content-Type: application/json (optionally Content-Encoding: gzip).", 415);
  const encoding = (request.headers.get("content-encoding") ?? "identity").toLowerCase();
  if (encoding !== "identity" && encoding !== "gzip") throw new SafeError(`Content-Encoding ${encoding} is not supported: send gzip or plain JSON.`, 415);
  const raw = Buffer.from(await request.arrayBuffer());
  if (raw.length > maxBytes) throw new SafeError(`The body is larger than ${Math.round(maxBytes / 2 ** 20)} MB.`, 413);
  let text: Buffer = raw;
  if (encoding === "gzip") {
    try {
      text = await gunzip(raw, { maxOutputLength: maxBytes });
    } catch (e) {
      if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") throw new SafeError(`The body is larger than ${Math.round(maxBytes / 2 ** 20)} MB once decompressed.`, 413);
      throw new SafeError("The body is not valid gzip.", 400);
    }
  }
  try {
    return JSON.parse(text.toString("utf8"));
  } catch {
    throw new SafeError("The body is not valid JSON.", 400);
  }
}
