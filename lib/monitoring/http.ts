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
  const tooLarge = () => new SafeError(`The body is larger than ${Math.round(maxBytes / 2 ** 20)} MB.`, 413);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  // Counted while it streams in: a body without (or lying about) its length cannot fill the memory.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const raw = Buffer.concat(chunks);
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
