import { describe, expect, it } from "vitest";
import { parseEnv } from "./env";

describe("environment", () => {
  it("has embedded defaults", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ FERRY_DATA_DIR: ".data", FERRY_DEMO: false, NODE_ENV: "development" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.AUTH_SECRET).toBeUndefined();
  });

  it("reads the documented variables", () => {
    const env = parseEnv({ NODE_ENV: "production", DATABASE_URL: "postgres://u@h/db", FERRY_DEMO: "1", FERRY_DATA_DIR: "/srv/ferry", AUTH_SECRET: "x".repeat(32) });
    expect(env).toMatchObject({ NODE_ENV: "production", DATABASE_URL: "postgres://u@h/db", FERRY_DEMO: true, FERRY_DATA_DIR: "/srv/ferry" });
  });

  it("refuses bad values with a message naming the variable", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must be a postgres/);
    expect(() => parseEnv({ AUTH_SECRET: "short" })).toThrow(/AUTH_SECRET must be at least 32/);
  });
});
