import "server-only";
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { getDb } from "@/db";
import { dataDir, env, isProduction } from "@/lib/env";
import { resolveAuthSecret } from "./secret";
import { endSession, signInWithPassword, type SignInResult } from "./service";

class SignInRefused extends CredentialsSignin {
  constructor(result: Extract<SignInResult, { ok: false }>) {
    super();
    this.code = result.retryAfterMinutes ? `${result.code}:${result.retryAfterMinutes}` : result.code;
  }
}

const credentialsSchema = z.object({ email: z.string().max(320), password: z.string().max(1024) });

function clientIp(request: Request): string {
  const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
  return forwarded || request.headers.get("x-real-ip") || "unknown";
}

declare module "next-auth" {
  interface Session {
    sid?: string;
  }
  interface User {
    sessionId?: string;
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  trustHost: true,
  secret: resolveAuthSecret({ secret: env.AUTH_SECRET, isProduction, dataDir }),
  session: { strategy: "jwt", maxAge: env.FERRY_SESSION_HOURS * 3600 },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  logger: {
    // A refused sign-in is an expected outcome, not a server error worth a stack trace.
    error(error) {
      if (error instanceof CredentialsSignin) return;
      console.error("[auth]", error);
    },
    warn() {},
  },
  providers: [
    Credentials({
      credentials: { email: { label: "E-mail", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(raw, request) {
        const parsed = credentialsSchema.safeParse(raw);
        if (!parsed.success) throw new SignInRefused({ ok: false, code: "invalid_credentials" });
        const result = await signInWithPassword(await getDb(), { ...parsed.data, ip: clientIp(request) });
        if (!result.ok) throw new SignInRefused(result);
        return { id: result.user.id, email: result.user.email, name: result.user.name, sessionId: result.sessionId };
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.sessionId) token.sid = user.sessionId;
      return token;
    },
    session({ session, token }) {
      if (typeof token.sid === "string") session.sid = token.sid;
      return session;
    },
  },
  events: {
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endSession(await getDb(), sid);
    },
  },
}));
