// `{param}` placeholders in a launch command (never shell `${VAR}`): one grammar for the form's hints,
// the launch validation and the substitution at claim time. No zod here: the browser form imports it.

const placeholder = () => /(?<!\$)\{([^{}\s]+)\}/g;

/** The distinct parameter names a command refers to. */
export function placeholdersOf(command: string): string[] {
  return [...new Set([...command.matchAll(placeholder())].map((m) => m[1]!))];
}

/** Placeholders take the parameter's value, shell-quoted; unknown names stay as written. */
export function substituteParams(command: string, params: Record<string, string>): string {
  return command.replace(placeholder(), (whole, key: string) => (key in params ? shellQuote(params[key]!) : whole));
}

export function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(v) ? v : `'${v.replaceAll("'", `'\\''`)}'`;
}
