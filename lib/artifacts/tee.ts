import type fs from "node:fs";

/** Yields each chunk after writing it to `file`: the upload is stored and profiled in one pass. */
export async function* teeToFile(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  file: fs.promises.FileHandle,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    await file.write(chunk);
    yield chunk;
  }
}
