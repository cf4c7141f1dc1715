import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Logo } from "@/components/shell/logo";
import { currentActor } from "@/lib/auth/session";
import { demoAccounts } from "@/lib/auth/demo";
import { SignInForm } from "./sign-in-form";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await currentActor()) redirect("/");
  const { next } = await searchParams;
  const demo = demoAccounts();
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <Logo className="mb-8 text-slate-900" />
      <div className="w-full max-w-sm rounded-xl bg-white p-8 shadow-sm ring-1 ring-slate-200">
        <h1 className="text-xl font-semibold text-slate-900">Sign in to Ferry</h1>
        <p className="mt-1 text-sm text-slate-500">Models from pilot to production.</p>
        <SignInForm next={typeof next === "string" ? next : undefined} />
      </div>
      {demo && (
        <div className="mt-6 w-full max-w-sm rounded-lg bg-white/60 p-4 text-sm text-slate-600 ring-1 ring-slate-200">
          <p className="font-medium text-slate-800">Demo organisation</p>
          <p className="mt-1">
            Password <code className="rounded bg-slate-100 px-1 font-mono text-slate-800">{demo.password}</code> for every account:
          </p>
          <ul className="mt-2 space-y-1">
            {demo.accounts.map((a) => (
              <li key={a.email} className="flex justify-between gap-2">
                <code className="font-mono text-slate-800">{a.email}</code>
                <span className="text-slate-500">{a.label}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </main>
  );
}
