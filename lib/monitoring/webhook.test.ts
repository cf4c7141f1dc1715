import { describe, expect, it } from "vitest";
import { checkWebhookTarget, isPublicAddress, parseAllowList } from "./webhook";

describe("webhook targets", () => {
  it.each([
    ["8.8.8.8", true],
    ["93.184.216.34", true],
    ["10.1.2.3", false],
    ["172.16.0.1", false],
    ["172.31.255.255", false],
    ["172.32.0.1", true],
    ["192.168.1.10", false],
    ["127.0.0.1", false],
    ["127.255.0.1", false],
    ["169.254.169.254", false],
    ["0.0.0.0", false],
    ["100.64.0.1", false],
    ["224.0.0.1", false],
    ["::1", false],
    ["::", false],
    ["fe80::1", false],
    ["fd00::1", false],
    ["fc00::abcd", false],
    ["ff02::1", false],
    ["::ffff:127.0.0.1", false],
    ["::ffff:10.0.0.1", false],
    ["::ffff:8.8.8.8", true],
    ["2001:db8::1", false],
    ["2606:4700:4700::1111", true],
    ["::127.0.0.1", false],
    ["::ffff:0:127.0.0.1", false],
    ["2002:7f00:1::1", false],
    ["2001:0:4136:e378::1", false],
    ["fec0::1", false],
    ["not-an-ip", false],
  ])("%s public: %s", (ip, expected) => {
    expect(isPublicAddress(ip)).toBe(expected);
  });

  const lookup = (map: Record<string, string[]>) => async (host: string) => {
    if (!map[host]) throw new Error("ENOTFOUND");
    return map[host]!;
  };

  it("refuses hosts that resolve to any private address, unless allow-listed", async () => {
    const dns = lookup({ "hooks.example.com": ["93.184.216.34"], "sneaky.example.com": ["93.184.216.34", "10.0.0.7"], "metadata.example.com": ["169.254.169.254"] });
    await expect(checkWebhookTarget("https://hooks.example.com/x", [], dns)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookTarget("https://sneaky.example.com/x", [], dns)).rejects.toThrow("resolves to 10.0.0.7");
    await expect(checkWebhookTarget("http://metadata.example.com/latest", [], dns)).rejects.toThrow("link-local");
    await expect(checkWebhookTarget("http://127.0.0.1:9000/hook", [], dns)).rejects.toThrow("resolves to 127.0.0.1");
    await expect(checkWebhookTarget("http://[::1]:9000/hook", [], dns)).rejects.toThrow("resolves to ::1");
    await expect(checkWebhookTarget("http://127.0.0.1:9000/hook", parseAllowList("127.0.0.1:9000"), dns)).resolves.toBeInstanceOf(URL);
    await expect(checkWebhookTarget("http://127.0.0.1:9001/hook", parseAllowList("127.0.0.1:9000"), dns)).rejects.toThrow("FERRY_WEBHOOK_ALLOW");
    await expect(checkWebhookTarget("http://nowhere.example.com/", [], dns)).rejects.toThrow("does not resolve");
  });

  it("refuses other schemes and credentials", async () => {
    await expect(checkWebhookTarget("file:///etc/passwd", [])).rejects.toThrow("http or https");
    await expect(checkWebhookTarget("https://user:pw@hooks.example.com/", [])).rejects.toThrow("no credentials");
    await expect(checkWebhookTarget("not a url", [])).rejects.toThrow("not a valid URL");
  });
});
