import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // PGlite ships WASM and data files: bundling it copies them into public static
  // assets and breaks webpack builds. argon2 is a native addon.
  serverExternalPackages: ["@electric-sql/pglite", "@node-rs/argon2", "pg"],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
