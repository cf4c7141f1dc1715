import crypto from "node:crypto";

// No 0/o, 1/l/i: these are read off a screen and typed by hand.
const ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";

/** Four groups of four, e.g. "k7pm-x2qd-9wtr-hb4e": ~79 bits. */
export function temporaryPassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < 4; g++) {
    let s = "";
    for (let i = 0; i < 4; i++) s += ALPHABET[crypto.randomInt(ALPHABET.length)];
    groups.push(s);
  }
  return groups.join("-");
}
