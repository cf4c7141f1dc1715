"use client";

import { Copy } from "lucide-react";
import { useActionState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useClipboard } from "@/components/ui/use-clipboard";
import { Field } from "@/components/ui/field";
import { SelectAndSave } from "@/components/ui/select-and-save";
import { SubmitButton } from "@/components/ui/submit-button";
import { Td } from "@/components/ui/table";
import { orgRoleLabels, orgRoles, type OrgRole } from "@/lib/auth/permissions";
import { idleState, type ActionState } from "@/lib/actions/state";
import {
  createUserAction,
  resetPasswordAction,
  setActiveAction,
  setAdminAction,
  setOrgRoleAction,
} from "@/lib/users/actions";

type Credentials = { email: string; temporaryPassword: string };

const orgRoleOptions = orgRoles.map((r) => ({ value: r, label: orgRoleLabels[r] }));

function TemporaryPassword({ data }: { data: Credentials }) {
  // Also where the clipboard API is missing (plain http on a server name), unlike navigator.clipboard alone.
  const { copied, copy } = useClipboard(60_000);
  return (
    <Alert tone="success">
      <p>
        Temporary password for <strong>{data.email}</strong> — shown only now. Hand it over safely; they choose their own at first sign-in.
      </p>
      <div className="mt-2 flex items-center gap-2">
        <code data-testid="temporary-password" className="rounded bg-white px-2 py-1 font-mono text-base text-slate-900 ring-1 ring-emerald-200">
          {data.temporaryPassword}
        </code>
        <Button
          size="sm"
          variant="secondary"
          onClick={() => copy(data.temporaryPassword)}
        >
          <Copy className="size-3.5" aria-hidden /> {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </Alert>
  );
}

export function CreateUserForm() {
  const [state, action] = useActionState<ActionState<Credentials>, FormData>(createUserAction, idleState);
  const errors = state.status === "error" ? state.fieldErrors : undefined;
  const values = state.status === "error" ? state.values : undefined;
  return (
    <form action={action} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4">
        <Field id="user-name" label="Name" errors={errors?.name}>
          {(p) => <input {...p} name="name" autoComplete="off" defaultValue={values?.name} />}
        </Field>
        <Field id="user-email" label="E-mail" errors={errors?.email}>
          {(p) => <input {...p} name="email" type="email" autoComplete="off" defaultValue={values?.email} />}
        </Field>
        <Field id="user-org-role" label="Org role" errors={errors?.orgRole}>
          {(p) => (
            <select {...p} name="orgRole" defaultValue={values?.orgRole ?? "member"}>
              {orgRoles.map((r) => (
                <option key={r} value={r}>
                  {orgRoleLabels[r]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="flex items-end gap-4 pb-2">
          <label className="flex items-center gap-2 text-sm text-slate-800">
            <input type="checkbox" name="isAdmin" className="size-4 rounded border-slate-300" defaultChecked={values?.isAdmin === "on"} />
            Admin
          </label>
        </div>
      </div>
      <SubmitButton pendingLabel="Creating…">Create user</SubmitButton>
      {state.status === "error" && state.message && !errors && <Alert tone="error">{state.message}</Alert>}
      {state.status === "success" && state.data && <TemporaryPassword data={state.data} />}
    </form>
  );
}

function firstError(state: ActionState<unknown>): string | null {
  if (state.status !== "error") return null;
  return state.message && !state.fieldErrors ? state.message : (Object.values(state.fieldErrors ?? {})[0]?.[0] ?? state.message ?? null);
}

export function UserControls({
  user,
  isSelf,
  projectCount,
  created,
}: {
  user: { id: string; email: string; orgRole: OrgRole; isAdmin: boolean; active: boolean };
  isSelf: boolean;
  projectCount: number;
  created: string;
}) {
  const [roleState, roleAction] = useActionState<ActionState, FormData>(setOrgRoleAction, idleState);
  const [adminState, adminAction] = useActionState<ActionState, FormData>(setAdminAction, idleState);
  const [activeState, activeAction] = useActionState<ActionState, FormData>(setActiveAction, idleState);
  const [resetState, resetAction] = useActionState<ActionState<Credentials>, FormData>(resetPasswordAction, idleState);
  const error = firstError(roleState) ?? firstError(adminState) ?? firstError(activeState) ?? firstError(resetState);

  return (
    <>
      <Td>
        <form action={roleAction}>
          <input type="hidden" name="userId" value={user.id} />
          <SelectAndSave
            id={`org-role-${user.id}`}
            name="orgRole"
            label={`Org role of ${user.email}`}
            value={user.orgRole}
            options={orgRoleOptions}
            className="min-w-32"
          />
        </form>
      </Td>
      <Td className="text-slate-600">{projectCount}</Td>
      <Td className="whitespace-nowrap text-slate-600">{created}</Td>
      <Td>
        <div className="flex flex-nowrap items-center justify-end gap-1">
          {!isSelf && (
            <>
              <form action={adminAction}>
                <input type="hidden" name="userId" value={user.id} />
                <input type="hidden" name="isAdmin" value={String(!user.isAdmin)} />
                <SubmitButton variant="secondary" size="sm">
                  {user.isAdmin ? "Remove admin" : "Make admin"}
                </SubmitButton>
              </form>
              {user.active && (
                <form action={resetAction}>
                  <input type="hidden" name="userId" value={user.id} />
                  <SubmitButton variant="secondary" size="sm" aria-label={`Reset password of ${user.email}`}>
                    Reset password
                  </SubmitButton>
                </form>
              )}
              <form action={activeAction}>
                <input type="hidden" name="userId" value={user.id} />
                <input type="hidden" name="active" value={String(!user.active)} />
                <SubmitButton variant={user.active ? "danger" : "secondary"} size="sm" aria-label={`${user.active ? "Deactivate" : "Reactivate"} ${user.email}`}>
                  {user.active ? "Deactivate" : "Reactivate"}
                </SubmitButton>
              </form>
            </>
          )}
        </div>
        {error && (
          <p className="mt-1 text-right text-sm text-red-700" role="alert">
            {error}
          </p>
        )}
        {resetState.status === "success" && resetState.data && (
          <div className="mt-2">
            <TemporaryPassword data={resetState.data} />
          </div>
        )}
      </Td>
    </>
  );
}
