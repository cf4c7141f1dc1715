// Integration: the datasets HTTP API end to end — real route handlers, real authorize(), real
// profiling, real artifact files on disk, real database (PGlite, then PostgreSQL in CI).
// Replaced, because they cannot exist outside a Next.js request: the session cookie reader, Next's
// revalidate cache and connection(). The upload limit is lowered so "too large" is cheap to test.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { apiTokens, datasetVersions } from "@/db/schema";
import { createFixtureOrg, createTestDatabase, testDbKind, type TestDatabase } from "@/db/testing";
import { request } from "@/lib/actions/testing";
import { setArtifactRootForTests } from "@/lib/artifacts/store";
import { generateApiToken } from "@/lib/auth/tokens";

vi.mock("@/lib/auth/next-auth", async () => (await import("@/lib/actions/testing-mocks")).mockNextAuth());
vi.mock("@/db", async (orig) => (await import("@/lib/actions/testing-mocks")).mockDb(orig));
vi.mock("next/cache", async () => (await import("@/lib/actions/testing-mocks")).mockNextCache());
vi.mock("next/server", async (orig) => ({ ...(await orig<typeof import("next/server")>()), connection: async () => {} }));
vi.mock("@/lib/env", async (orig) => ({ ...(await orig<typeof import("@/lib/env")>()), uploadLimitBytes: 200_000 }));

const datasetsRoute = await import("@/app/api/v1/projects/[slug]/datasets/route");
const versionsRoute = await import("@/app/api/v1/projects/[slug]/datasets/[name]/versions/route");
const versionRoute = await import("@/app/api/v1/projects/[slug]/datasets/[name]/versions/[version]/route");
const fileRoute = await import("@/app/api/v1/projects/[slug]/datasets/[name]/versions/[version]/file/route");
const { addRule, registerUpload } = await import("./service");

const FIXTURE = path.join(import.meta.dirname, "fixtures", "customers.csv");
const EXPECTED = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, "fixtures", "customers.expected.json"), "utf8"));
const TABLES = ["datasets", "dataset_versions", "dataset_rules", "audit_log"];

describe(`datasets API on ${testDbKind}`, () => {
  let t: TestDatabase;
  let org: Awaited<ReturnType<typeof createFixtureOrg>>;
  let artifacts: string;
  const tokens: Record<string, string> = {};
  let slug: string;

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await createFixtureOrg(t.db);
    request.db = t.db;
    request.sessionId = null;
    slug = org.project.slug;
    artifacts = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-artifacts-"));
    setArtifactRootForTests(artifacts);
    for (const who of ["dataScientist", "mlEngineer", "manager", "ops", "outsider", "admin"] as const) {
      const { token, hash, displayPrefix } = generateApiToken();
      await t.db.insert(apiTokens).values({ userId: org.users[who].id, name: "test", tokenHash: hash, prefix: displayPrefix });
      tokens[who] = token;
    }
  });
  afterAll(async () => {
    setArtifactRootForTests(null);
    fs.rmSync(artifacts, { recursive: true, force: true });
    await t?.close();
  });

  const base = () => `http://ferry.test/api/v1/projects/${slug}/datasets`;
  const auth = (who: string | null): Record<string, string> => (who ? { authorization: `Bearer ${tokens[who]}` } : {});

  function createDataset(who: string | null, body: unknown) {
    return datasetsRoute.POST(
      new Request(base(), { method: "POST", headers: { "content-type": "application/json", ...auth(who) }, body: JSON.stringify(body) }) as never,
      { params: Promise.resolve({ slug }) },
    );
  }

  function upload(who: string | null, name: string, bytes: Uint8Array | string, filename = "data.csv") {
    const fd = new FormData();
    fd.append("file", new Blob([bytes as BlobPart], { type: "text/csv" }), filename);
    return versionsRoute.POST(new Request(`${base()}/${name}/versions`, { method: "POST", headers: auth(who), body: fd }) as never, {
      params: Promise.resolve({ slug, name }),
    });
  }

  function reference(who: string | null, name: string, body: unknown) {
    return versionsRoute.POST(
      new Request(`${base()}/${name}/versions`, {
        method: "POST",
        headers: { "content-type": "application/json", ...auth(who) },
        body: JSON.stringify(body),
      }) as never,
      { params: Promise.resolve({ slug, name }) },
    );
  }

  function getVersion(who: string | null, name: string, version: number | string) {
    const url = `${base()}/${name}/versions/${version}`;
    const req = Object.assign(new Request(url, { headers: auth(who) }), { nextUrl: new URL(url) });
    return versionRoute.GET(req as never, { params: Promise.resolve({ slug, name, version: String(version) }) });
  }

  /** Every file under the artifact root (the store must hold nothing but committed versions). */
  function storedFiles(): string[] {
    if (!fs.existsSync(artifacts)) return [];
    return (fs.readdirSync(artifacts, { recursive: true }) as string[])
      .filter((p) => fs.statSync(path.join(artifacts, p)).isFile())
      .sort();
  }

  async function expectNothingWritten(fn: () => Promise<void>) {
    const before = await t.counts(...TABLES);
    const files = storedFiles();
    await fn();
    expect(await t.counts(...TABLES)).toEqual(before);
    expect(storedFiles()).toEqual(files);
  }

  it("creates a dataset with a token; refuses bad names, duplicates, non-writers and anonymous callers", async () => {
    const res = await createDataset("dataScientist", { name: "customers", description: "Fixture" });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ name: "customers", url: `/projects/${slug}/datasets/customers` });

    for (const name of ["../x", "a/b", "..", "x..y", "", " ", "a\\b", "%2e%2e"]) {
      await expectNothingWritten(async () => {
        const bad = await createDataset("dataScientist", { name });
        expect(bad.status).toBe(400);
        expect((await bad.json()).error).toMatch(/name/i);
      });
    }
    await expectNothingWritten(async () => {
      const dup = await createDataset("mlEngineer", { name: "Customers" });
      expect(dup.status).toBe(409);
      expect((await dup.json()).error).toMatch(/already has a dataset named/);
    });
    await expectNothingWritten(async () => {
      expect((await createDataset("manager", { name: "m" })).status).toBe(403);
      expect((await createDataset("ops", { name: "o" })).status).toBe(403);
      expect((await createDataset("outsider", { name: "x" })).status).toBe(403);
      const anon = await createDataset(null, { name: "y" });
      expect(anon.status).toBe(401);
      expect(anon.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });
  });

  it("uploads the committed fixture to exactly the digest sha256sum gives, the expected row count and statistics", async () => {
    const sha256sum = execFileSync("sha256sum", [FIXTURE], { encoding: "utf8" }).split(" ")[0];
    const res = await upload("dataScientist", "customers", fs.readFileSync(FIXTURE), "customers.csv");
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body).toMatchObject({ version: 1, sha256: sha256sum, url: `/projects/${slug}/datasets/customers/versions/1` });

    const got = await (await getVersion("manager", "customers", 1)).json();
    expect(got.sha256).toBe(sha256sum);
    expect(got.sizeBytes).toBe(fs.statSync(FIXTURE).size);
    expect(got.rowCount).toBe(EXPECTED.rowCount);
    expect(got.uri).toMatch(/^ferry-artifacts:\/datasets\/[0-9a-f-]+\/[0-9a-f-]+\/data\.csv$/);
    expectProfileMatches(got, EXPECTED);

    // The stored file is byte-identical, and the reference sample sits beside it.
    const files = storedFiles();
    expect(files.filter((f) => !f.startsWith("tmp"))).toHaveLength(2);
    const dataFile = files.find((f) => f.endsWith("data.csv"))!;
    expect(fs.readFileSync(path.join(artifacts, dataFile)).equals(fs.readFileSync(FIXTURE))).toBe(true);
    const sample = JSON.parse(fs.readFileSync(path.join(artifacts, files.find((f) => f.endsWith("sample.json"))!), "utf8"));
    expect(sample.rows).toHaveLength(EXPECTED.rowCount);

    // The download route streams the same bytes back.
    const url = `${base()}/customers/versions/1/file`;
    const dl = await fileRoute.GET(Object.assign(new Request(url, { headers: auth("manager") }), { nextUrl: new URL(url) }) as never, {
      params: Promise.resolve({ slug, name: "customers", version: "1" }),
    });
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).equals(fs.readFileSync(FIXTURE))).toBe(true);
  });

  it("refuses a re-upload of the same content with a link to the existing version", async () => {
    await expectNothingWritten(async () => {
      const res = await upload("mlEngineer", "customers", fs.readFileSync(FIXTURE), "again.csv");
      expect(res.status).toBe(409);
      const body = await res.json();
      expect(body).toMatchObject({ existingVersion: 1, url: `/projects/${slug}/datasets/customers/versions/1` });
      expect(body.error).toMatch(/identical to version 1/);
    });
  });

  it("checks every new version against the dataset's rules, with the counts and examples computed independently", async () => {
    const project = { id: org.project.id, slug, name: org.project.name };
    const actor = { ...org.users.dataScientist, isAdmin: false, orgRole: "member" as const, mustChangePassword: false, sessionId: null, tokenId: null };
    // A dataset whose previous version declares the columns the expectations were computed against.
    expect((await createDataset("dataScientist", { name: "customers-checked" })).status).toBe(201);
    const prev = await reference("dataScientist", "customers-checked", { uri: "s3://lake/old.csv", sha256: "0".repeat(64), columns: EXPECTED.previousColumns });
    expect(prev.status).toBe(201);
    for (const { id: _id, ...spec } of EXPECTED.rules) await addRule(t.db, actor as never, project, "customers-checked", spec);

    const res = await upload("dataScientist", "customers-checked", fs.readFileSync(FIXTURE));
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(body.version).toBe(2);
    const v2 = await (await getVersion("dataScientist", "customers-checked", 2)).json();
    type Result = { kind: string; column: string | null; status: string; offendingCount: number | null; examples: { row: number; value: string | null }[] };
    const got = v2.validation.results.map((r: Result) => ({
      kind: r.kind,
      column: r.column,
      status: r.status,
      offendingCount: r.offendingCount,
      exampleRows: r.examples.map((e) => e.row),
      exampleValues: r.examples.map((e) => e.value),
    }));
    const want = EXPECTED.validation.map((r: Record<string, unknown>) => ({
      kind: r.kind,
      column: r.column ?? null,
      status: r.status,
      offendingCount: r.offendingCount ?? null,
      exampleRows: r.exampleRows ?? [],
      exampleValues: r.exampleValues ?? [],
    }));
    // Passing rules carry no examples.
    for (const w of want) if (w.status === "pass") Object.assign(w, { exampleRows: [], exampleValues: [] });
    expect(got).toEqual(want);
    expect(v2.validation.status).toBe(expectedWorst(EXPECTED.validation));
    expect(body.validationStatus).toBe(v2.validation.status);
  });

  it("answers 401 without a token, 401 for a revoked one, 403 for a user without access; a manager reads but cannot upload", async () => {
    await expectNothingWritten(async () => {
      const anon = await upload(null, "customers", "a,b\n1,2\n");
      expect(anon.status).toBe(401);
      const outsider = await upload("outsider", "customers", "a,b\n1,2\n");
      expect(outsider.status).toBe(403);
      expect((await getVersion("outsider", "customers", 1)).status).toBe(403);
      const manager = await upload("manager", "customers", "a,b\n1,2\n");
      expect(manager.status).toBe(403);
      expect((await manager.json()).error).toMatch(/not allowed to create datasets and dataset versions/);
      expect((await getVersion("manager", "customers", 1)).status).toBe(200);
      const garbage = await versionsRoute.POST(
        new Request(`${base()}/customers/versions`, { method: "POST", headers: { authorization: "Bearer nope" }, body: "x" }) as never,
        { params: Promise.resolve({ slug, name: "customers" }) },
      );
      expect(garbage.status).toBe(401);
    });
    await t.db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.tokenHash, (await import("@/lib/auth/tokens")).hashApiToken(tokens.ops!)));
    expect((await getVersion("ops", "customers", 1)).status).toBe(401);
  });

  it("refuses bad files with a clear message, leaving no version row and no file behind", async () => {
    const cases: [string, Uint8Array | string, number, RegExp][] = [
      ["empty file", "", 400, /empty/],
      ["header only", "a,b,c\n", 400, /header but no data rows/],
      ["ragged rows", "a,b,c\n1,2,3\n4,5\n", 400, /Line 3 has 2 fields; the header has 3/],
      ["invalid UTF-8", new Uint8Array([0x61, 0x2c, 0x62, 0x0a, 0xc3, 0x28, 0x2c, 0x31, 0x0a]), 400, /not valid UTF-8/],
      ["over the limit", "a,b\n" + "12345,67890\n".repeat(20_000), 413, /larger than the 200 kB limit/],
      ["unterminated quote", 'a,b\n1,"oops\n', 400, /quote/i],
    ];
    for (const [label, bytes, status, message] of cases) {
      await expectNothingWritten(async () => {
        const res = await upload("dataScientist", "customers", bytes);
        const body = await res.json();
        expect(res.status, label).toBe(status);
        expect(body.error, label).toMatch(message);
      });
    }
    // No multipart field "file", wrong content type, unknown dataset.
    await expectNothingWritten(async () => {
      const fd = new FormData();
      fd.append("other", "x");
      const res = await versionsRoute.POST(new Request(`${base()}/customers/versions`, { method: "POST", headers: auth("dataScientist"), body: fd }) as never, {
        params: Promise.resolve({ slug, name: "customers" }),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(/field named "file"/);
      const text = await versionsRoute.POST(
        new Request(`${base()}/customers/versions`, { method: "POST", headers: { ...auth("dataScientist"), "content-type": "text/csv" }, body: "a\n1\n" }) as never,
        { params: Promise.resolve({ slug, name: "customers" }) },
      );
      expect(text.status).toBe(415);
      expect((await upload("dataScientist", "nope", "a\n1\n")).status).toBe(404);
    });
  });

  it("registers a version by reference; refuses one without digest, with a file: URI or with an encoded '..'", async () => {
    const digest = "ab".repeat(32);
    const ok = await reference("dataScientist", "customers", {
      uri: "s3://lake/customers/2026-11.csv",
      sha256: digest.toUpperCase(),
      rowCount: 1000,
      columns: [{ name: "customer_id", type: "numeric" }],
    });
    const body = await ok.json();
    expect(ok.status, JSON.stringify(body)).toBe(201);
    const v = await (await getVersion("manager", "customers", body.version)).json();
    expect(v).toMatchObject({ source: "reference", uri: "s3://lake/customers/2026-11.csv", sha256: digest, rowCount: 1000, profile: null, downloadUrl: null });
    expect(v.validation).toEqual({ status: "none", results: [] }); // this dataset has no rules

    const bad: [unknown, RegExp][] = [
      [{ uri: "s3://lake/x.csv" }, /sha256/],
      [{ uri: "s3://lake/x.csv", sha256: "1234" }, /sha256/],
      [{ uri: "file:///etc/passwd", sha256: digest.replace("ab", "cd") }, /Use one of/],
      [{ uri: "/data/x.csv", sha256: digest.replace("ab", "cd") }, /absolute URI/],
      [{ uri: "s3://lake/a/%2e%2e/b.csv", sha256: digest.replace("ab", "cd") }, /'\.\.'/],
      [{ uri: "https://h/a/%252e%252e%252fb", sha256: digest.replace("ab", "cd") }, /'\.\.'/],
      [{ uri: "https://h/a\\..\\b", sha256: digest.replace("ab", "cd") }, /'\.\.'/],
      [{ uri: "s3://lake/y.csv", sha256: digest }, /identical to version/],
    ];
    for (const [input, message] of bad) {
      await expectNothingWritten(async () => {
        const res = await reference("dataScientist", "customers", input);
        expect(res.status, JSON.stringify(input)).toBeGreaterThanOrEqual(400);
        expect((await res.json()).error, JSON.stringify(input)).toMatch(message);
      });
    }
    const notJson = await versionsRoute.POST(
      new Request(`${base()}/customers/versions`, { method: "POST", headers: { ...auth("dataScientist"), "content-type": "application/json" }, body: "{" }) as never,
      { params: Promise.resolve({ slug, name: "customers" }) },
    );
    expect(notJson.status).toBe(400);
  });

  it("keeps versions immutable in the database, and audits every change", async () => {
    await expect(t.db.update(datasetVersions).set({ rowCount: 1 }).where(eq(datasetVersions.version, 1))).rejects.toThrow();
    const actions = await t.db.execute(sql`select action from audit_log where project_id = ${org.project.id} order by id`);
    const list = (actions as unknown as { rows: { action: string }[] }).rows.map((r) => r.action);
    expect(list).toContain("dataset.create");
    expect(list.filter((a) => a === "dataset_version.create")).toHaveLength(4);
    expect(list.filter((a) => a === "dataset_rule.create")).toHaveLength(EXPECTED.rules.length);
  });

  it("never uses the uploaded file name as a path", async () => {
    const res = await upload("dataScientist", "customers", "id,x\n1,2\n", "../../../etc/evil.csv");
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    const v = await (await getVersion("dataScientist", "customers", body.version)).json();
    expect(v.filename).toBe("evil.csv"); // directory parts are dropped; the name is metadata only
    expect(v.uri).toMatch(/^ferry-artifacts:\/datasets\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/data\.csv$/);
    expect(storedFiles().every((f) => /^datasets\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/(data\.csv|sample\.json)$/.test(f))).toBe(true);
  });

  it("leaves nothing behind when the upload stream breaks off midway (client gone)", async () => {
    const project = { id: org.project.id, slug, name: org.project.name };
    const actor = { ...org.users.dataScientist, isAdmin: false, orgRole: "member" as const, mustChangePassword: false, sessionId: null, tokenId: null };
    async function* brokenOff(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("a,b\n");
      for (let i = 0; i < 10; i++) yield Buffer.from(`${i},${i * 2}\n`.repeat(1000));
      throw Object.assign(new Error("aborted"), { code: "ECONNRESET" });
    }
    await expectNothingWritten(async () => {
      await expect(registerUpload(t.db, actor as never, project, "customers", { filename: "x.csv", body: brokenOff() })).rejects.toThrow("aborted");
    });
    expect(fs.readdirSync(path.join(artifacts, "tmp"))).toEqual([]);
  });

  it("numbers concurrent uploads to one dataset 1, 2, 3… without gaps or clashes", async () => {
    expect((await createDataset("dataScientist", { name: "concurrent" })).status).toBe(201);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => upload("dataScientist", "concurrent", `id,v\n${i},${i * 10}\n`)));
    const bodies = await Promise.all(results.map((r) => r.json()));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect(bodies.map((b) => b.version).sort()).toEqual([1, 2, 3, 4, 5]);
    // The same content raced twice: exactly one wins, the other is told which version it matches.
    const twins = await Promise.all([upload("mlEngineer", "concurrent", "id,v\n9,9\n"), upload("dataScientist", "concurrent", "id,v\n9,9\n")]);
    expect(twins.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  it("lists the projects a token's user can see", async () => {
    const projectsRoute = await import("@/app/api/v1/projects/route");
    const url = "http://ferry.test/api/v1/projects";
    const get = (who: string) => projectsRoute.GET(Object.assign(new Request(url, { headers: auth(who) }), { nextUrl: new URL(url) }) as never);
    expect((await (await get("dataScientist")).json()).projects).toMatchObject([{ slug, persona: "data_scientist" }]);
    expect((await (await get("outsider")).json()).projects).toEqual([]);
  });

  it("lists datasets and versions (newest first, paginated)", async () => {
    const list = await datasetsRoute.GET(Object.assign(new Request(base(), { headers: auth("manager") }), { nextUrl: new URL(base()) }) as never, {
      params: Promise.resolve({ slug }),
    });
    const names = (await list.json()).datasets.map((d: { name: string; latestVersion: number }) => [d.name, d.latestVersion]);
    expect(names.sort()).toEqual([["concurrent", 6], ["customers", 3], ["customers-checked", 2]]);
    const url = `${base()}/customers/versions?limit=1`;
    const page1 = await (
      await versionsRoute.GET(Object.assign(new Request(url, { headers: auth("manager") }), { nextUrl: new URL(url) }) as never, {
        params: Promise.resolve({ slug, name: "customers" }),
      })
    ).json();
    expect(page1.items.map((v: { version: number }) => v.version)).toEqual([3]);
    expect(page1.nextBefore).toBe(3);
  });
});

function expectedWorst(results: { status: string }[]) {
  const s = results.map((r) => r.status);
  return s.includes("fail") ? "fail" : s.includes("warn") ? "warn" : s.includes("pass") ? "pass" : "none";
}

/** Compares the stored profile with the independently computed expectations (numbers: relative 1e-9). */
function expectProfileMatches(
  got: { columns: { name: string; type: string }[]; profile: { rowCount: number; columns: Record<string, unknown>[] } },
  expected: { rowCount: number; columns: (Record<string, unknown> & { name: string; type: string })[] },
) {
  expect(got.columns).toEqual(expected.columns.map((c) => ({ name: c.name, type: c.type })));
  expect(got.profile.rowCount).toBe(expected.rowCount);
  for (const want of expected.columns) {
    const have = got.profile.columns.find((c) => c.name === want.name);
    expectClose(have, want, want.name);
  }
}

function expectClose(have: unknown, want: unknown, at: string): void {
  if (typeof want === "number") {
    expect(typeof have, at).toBe("number");
    const tolerance = 1e-9 * Math.max(1, Math.abs(want));
    expect(Math.abs((have as number) - want), `${at}: ${have} vs ${want}`).toBeLessThanOrEqual(tolerance);
  } else if (Array.isArray(want)) {
    expect(Array.isArray(have), at).toBe(true);
    expect((have as unknown[]).length, `${at}.length`).toBe(want.length);
    want.forEach((w, i) => expectClose((have as unknown[])[i], w, `${at}[${i}]`));
  } else if (want && typeof want === "object") {
    expect(have, at).toBeTypeOf("object");
    for (const [k, w] of Object.entries(want)) expectClose((have as Record<string, unknown>)[k], w, `${at}.${k}`);
  } else {
    expect(have, at).toEqual(want);
  }
}
