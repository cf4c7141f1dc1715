import { open } from "node:fs/promises";
import { LOG_LINE_MAX } from "./protocol";

// Turns a job's log file into numbered lines. The numbering must come out the same however the file
// is read — all at once, in pieces as it grows, or resumed from a saved byte offset after a crash —
// because the server dedupes lines by number. So every rule below depends only on the bytes:
//
// - A line ends at "\n" (a "\r" just before it is dropped).
// - A line longer than LOG_LINE_MAX bytes is cut into pieces: while more than LOG_LINE_MAX bytes of
//   the line remain, a piece of at most LOG_LINE_MAX bytes is taken, moved back to a UTF-8 character
//   boundary. That decision needs only the bytes already written, so pieces of a line still being
//   written (a progress bar without newlines) can be sent early and come out the same later.
//   Counting bytes rather than characters keeps every piece within LOG_LINE_MAX characters.
// - The last line of a finished job may lack its "\n"; it is sent once the job has ended (`final`).
// - NUL characters become U+FFFD: PostgreSQL text cannot hold them.

export interface TakenLines {
  lines: string[];
  /** Bytes of the buffer the lines cover; the next read starts there. */
  consumed: number;
}

/**
 * Takes up to `maxLines` lines from `buf`, which starts at a line (or piece) boundary.
 * `atEnd`: the buffer reaches the end of the file of a finished job, so a last partial line counts.
 */
export function takeLines(buf: Buffer, maxLines: number, atEnd: boolean): TakenLines {
  const lines: string[] = [];
  let pos = 0;
  while (lines.length < maxLines && pos < buf.length) {
    const newline = buf.indexOf(0x0a, pos);
    const end = newline < 0 ? buf.length : newline;
    if (end - pos > LOG_LINE_MAX) {
      const cut = pieceEnd(buf, pos);
      lines.push(decode(buf, pos, cut));
      pos = cut;
    } else if (newline >= 0) {
      const stop = end > pos && buf[end - 1] === 0x0d ? end - 1 : end;
      lines.push(decode(buf, pos, stop));
      pos = newline + 1;
    } else if (atEnd) {
      lines.push(decode(buf, pos, end));
      pos = end;
    } else {
      break;
    }
  }
  return { lines, consumed: pos };
}

/** End of a piece starting at `pos`: LOG_LINE_MAX bytes on, moved back off UTF-8 continuation bytes. */
function pieceEnd(buf: Buffer, pos: number): number {
  let cut = pos + LOG_LINE_MAX;
  while (cut > pos + LOG_LINE_MAX - 4 && (buf[cut]! & 0xc0) === 0x80) cut--;
  // Not UTF-8 at all there (more than 3 continuation bytes): cut anywhere, the decoder copes.
  return (buf[cut]! & 0xc0) === 0x80 ? pos + LOG_LINE_MAX : cut;
}

function decode(buf: Buffer, start: number, end: number): string {
  return buf.toString("utf8", start, end).replace(/\0/g, "\uFFFD");
}

export interface LogBatch extends TakenLines {
  /** Nothing more to send for now: no further complete line (or, when final, end of file). */
  drained: boolean;
}

// One batch reads at most this much of the file. JSON escaping can grow a control character six-fold
// (\u001b), so a batch stays under the server's 4 MiB body limit; it must exceed LOG_LINE_MAX.
const READ_BYTES = 512 * 1024;

/** Reads the lines starting at byte `from` of `file` (a missing file has no lines). */
export async function readLogBatch(file: string, from: number, maxLines: number, final: boolean): Promise<LogBatch> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lines: [], consumed: 0, drained: true };
    throw error;
  }
  try {
    const size = (await handle.stat()).size;
    const length = Math.max(0, Math.min(READ_BYTES, size - from));
    const buf = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buf, 0, length, from);
    const toEof = from + bytesRead >= size;
    const taken = takeLines(buf.subarray(0, bytesRead), maxLines, final && toEof);
    const drained = taken.lines.length < maxLines && (toEof || taken.lines.length === 0);
    return { ...taken, drained };
  } finally {
    await handle.close();
  }
}

/** Byte offset where line `n` starts, counting from the beginning of the file; null if the file has fewer lines. */
export async function offsetOfLine(file: string, n: number, final: boolean): Promise<number | null> {
  let offset = 0;
  let line = 0;
  while (line < n) {
    const batch = await readLogBatch(file, offset, n - line, final);
    if (batch.lines.length === 0) return null;
    offset += batch.consumed;
    line += batch.lines.length;
  }
  return offset;
}
