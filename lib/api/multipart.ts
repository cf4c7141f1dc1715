import "server-only";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import busboy from "busboy";
import { SafeError } from "@/lib/actions/safe-error";

export interface StreamedFile {
  filename: string | null;
  /** The file's bytes as they arrive; never buffered whole. */
  body: AsyncIterable<Uint8Array>;
  /** Stops reading the request (after a refusal, so the rest of the body is not parsed). */
  abort: () => void;
}

/**
 * The file in multipart field `field`, streamed. Other fields and files are skipped. Refuses a
 * request without that field. Byte limits are the consumer's job (it sees every chunk).
 */
export function streamMultipartFile(request: Request, field: string): Promise<StreamedFile> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!request.body) return Promise.reject(new SafeError(`Send the CSV file in a multipart field named "${field}".`, 400));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { "content-type": contentType }, limits: { files: 1, fields: 20, fieldSize: 64 * 1024 } });
  } catch {
    return Promise.reject(new SafeError("Malformed multipart request.", 400));
  }
  const input = Readable.fromWeb(request.body as unknown as WebReadableStream<Uint8Array>);
  let fileStream: NodeJS.ReadableStream | null = null;
  // After a refusal nobody reads the file any more: the "unexpected end" errors that tearing the
  // streams down raises are expected, and must not surface as uncaught exceptions.
  const ignore = () => {};
  const abort = () => {
    fileStream?.on("error", ignore);
    parser.on("error", ignore);
    input.unpipe(parser);
    input.destroy();
    parser.destroy();
  };
  return new Promise<StreamedFile>((resolve, reject) => {
    let found = false;
    parser.on("file", (name, stream, info) => {
      if (name !== field || found) {
        stream.resume();
        return;
      }
      found = true;
      fileStream = stream;
      resolve({ filename: info.filename ?? null, body: stream, abort });
    });
    parser.on("error", (e) => {
      if (!found) reject(new SafeError(`Malformed multipart request: ${(e as Error).message}.`, 400));
    });
    parser.on("close", () => {
      if (!found) reject(new SafeError(`Send the CSV file in a multipart field named "${field}".`, 400));
    });
    input.on("error", (e) => {
      parser.destroy(e);
      if (!found) reject(new SafeError("The upload was interrupted.", 400));
    });
    input.pipe(parser);
  });
}
