import dnsCallback from "node:dns";
import dns from "node:dns/promises";
import net from "node:net";

// Alert webhooks must not become a way to reach Ferry's own network (SSRF): a target whose address
// is private, loopback, link-local, unspecified, multicast or otherwise not public is refused
// unless its host is allow-listed (FERRY_WEBHOOK_ALLOW). Every address a name resolves to is checked.

const v4Blocked: [string, number][] = [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
];

function v4ToInt(ip: string): number {
  return ip.split(".").reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inV4(ip: string, [base, bits]: [string, number]): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (v4ToInt(ip) & mask) === (v4ToInt(base) & mask);
}

/** Expands an IPv6 address to 8 groups of 16 bits. */
function v6Groups(ip: string): number[] {
  const [head, tail] = ip.split("::") as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(":") : []);
  let h = parse(head);
  let t = tail === undefined ? [] : parse(tail);
  // An embedded IPv4 tail (::ffff:1.2.3.4) counts as two groups.
  const last = (t.length ? t : h).at(-1);
  if (last?.includes(".")) {
    const n = v4ToInt(last);
    const groups = [(n >>> 16).toString(16), (n & 0xffff).toString(16)];
    if (t.length) t = [...t.slice(0, -1), ...groups];
    else h = [...h.slice(0, -1), ...groups];
  }
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill("0");
  return [...h, ...fill, ...t].map((g) => parseInt(g, 16));
}

/** True for addresses a webhook may reach without an allow-list entry. */
export function isPublicAddress(ip: string): boolean {
  if (net.isIPv4(ip)) return !v4Blocked.some((range) => inV4(ip, range));
  if (!net.isIPv6(ip)) return false;
  const g = v6Groups(ip.split("%")[0]!);
  if (g.every((x) => x === 0)) return false; // ::
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return false; // ::1
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    // IPv4-mapped: judge the IPv4 address.
    return isPublicAddress(`${g[6]! >>> 8}.${g[6]! & 0xff}.${g[7]! >>> 8}.${g[7]! & 0xff}`);
  }
  if (g.slice(0, 6).every((x) => x === 0)) return false; // ::a.b.c.d (IPv4-compatible, deprecated)
  if (g.slice(0, 4).every((x) => x === 0) && g[4] === 0xffff && g[5] === 0) return false; // ::ffff:0:a.b.c.d (IPv4-translated)
  if (g[0] === 0x2002) return false; // 6to4: embeds an IPv4 address
  if (g[0] === 0x2001 && g[1] === 0) return false; // Teredo
  if ((g[0]! & 0xffc0) === 0xfec0) return false; // fec0::/10 site-local (deprecated)
  if ((g[0]! & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((g[0]! & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((g[0]! & 0xff00) === 0xff00) return false; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return false; // documentation
  if (g[0] === 0x64 && g[1] === 0xff9b) return false; // NAT64 (would reach IPv4 internals)
  return true;
}

export class WebhookTargetError extends Error {}

/** Allow-list entries: host names or addresses, optionally with a port ("hooks.internal", "10.0.0.5:8080"). */
export function parseAllowList(raw: string): string[] {
  return raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Checks a webhook URL: http(s) only, no credentials, and every address of its host public unless
 * the host (or host:port) is allow-listed. Returns the addresses it resolved to.
 */
export async function checkWebhookTarget(raw: string, allow: string[], lookup: (host: string) => Promise<string[]> = resolveAll): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookTargetError("The webhook URL is not a valid URL.");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new WebhookTargetError("Webhooks use http or https.");
  if (url.username || url.password) throw new WebhookTargetError("Put no credentials in the webhook URL; use a secret path or query instead.");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  const port = url.port || (url.protocol === "https:" ? "443" : "80");
  if (allow.includes(host) || allow.includes(`${host}:${port}`)) return url;
  const addresses = net.isIP(host) ? [host] : await lookup(host).catch(() => {
    throw new WebhookTargetError(`The webhook host ${host} does not resolve.`);
  });
  const blocked = addresses.find((a) => !isPublicAddress(a));
  if (blocked) {
    throw new WebhookTargetError(
      `The webhook host ${host} resolves to ${blocked}, a private, loopback or link-local address. Ask an admin to allow-list it (FERRY_WEBHOOK_ALLOW) if it is meant to be reached.`,
    );
  }
  return url;
}

/**
 * A `lookup` for http(s).request that refuses non-public addresses at connection time, so a name
 * that resolved to a public address when checked cannot rebind to an internal one for the POST.
 */
export function guardedLookup(allow: string[]) {
  return (hostname: string, options: object, callback: (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void) => {
    dnsCallback.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => {
      if (err) return callback(err, []);
      const host = hostname.toLowerCase();
      const blocked = allow.includes(host) ? undefined : addresses.find((a) => !isPublicAddress(a.address));
      if (blocked) return callback(new WebhookTargetError(`The webhook host ${host} now resolves to ${blocked.address}, which is not public.`), []);
      if ((options as { all?: boolean }).all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

async function resolveAll(host: string): Promise<string[]> {
  const found = await dns.lookup(host, { all: true, verbatim: true });
  return found.map((f) => f.address);
}
