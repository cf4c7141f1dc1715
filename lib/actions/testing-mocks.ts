// Imported by test files that call server actions, after `vi.mock` lines that point here.
import { request } from "./testing";

export const mockNextAuth = () => ({
  auth: async () => (request.sessionId ? { sid: request.sessionId, expires: new Date(Date.now() + 3_600_000).toISOString() } : null),
  signIn: async () => {
    throw new Error("signIn is not available in tests");
  },
  signOut: async () => {},
  handlers: {},
});

export const mockDb = async (importOriginal: () => Promise<Record<string, unknown>>) => ({
  ...(await importOriginal()),
  getDb: async () => {
    if (!request.db) throw new Error("test forgot to set request.db");
    return request.db;
  },
});

export const mockNextCache = () => ({ revalidatePath: () => {}, revalidateTag: () => {} });
