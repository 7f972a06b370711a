import type { Transaction } from '@groundwork/platform';

/**
 * Takes the workspace row's lock for the rest of the transaction and says whether it exists.
 * Every change to who holds which role takes it first, so "exactly one owner" is checked and
 * changed by one transaction at a time: the partial unique index stops a second owner, but
 * only this serialisation stops a transfer and a demotion from leaving none.
 */
export async function lockWorkspace(tx: Transaction, workspaceId: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM workspaces WHERE id = ${workspaceId}::uuid FOR UPDATE`;
  return rows.length > 0;
}
