import { DomainError } from '@groundwork/platform';
import { roleAtLeast, type WorkspaceRole } from '@groundwork/workspaces';

export const TASK_STATUSES = ['todo', 'in_progress', 'in_review', 'done', 'canceled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const TASK_PRIORITIES = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

interface Move {
  to: TaskStatus;
  /** The least role that may make this move (default: anyone who may write tasks). */
  minimumRole?: WorkspaceRole;
}

/**
 * The task state machine, the one table of it (docs/work.md): from each status, the moves
 * allowed and who may make them. Reopening a canceled task is an admin's call.
 */
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly Move[]>> = {
  todo: [{ to: 'in_progress' }, { to: 'canceled' }],
  in_progress: [{ to: 'in_review' }, { to: 'todo' }, { to: 'canceled' }],
  in_review: [{ to: 'done' }, { to: 'in_progress' }],
  done: [{ to: 'in_progress' }],
  canceled: [{ to: 'todo', minimumRole: 'admin' }],
};

/** The statuses a caller with `role` may move a task in `from` to. */
export function allowedTargets(from: TaskStatus, role: WorkspaceRole): TaskStatus[] {
  return TASK_TRANSITIONS[from]
    .filter((move) => move.minimumRole === undefined || roleAtLeast(role, move.minimumRole))
    .map((move) => move.to);
}

/** Refuses a move the table does not allow for this role: 422 naming the allowed targets. */
export function assertTransition(from: TaskStatus, to: TaskStatus, role: WorkspaceRole): void {
  const allowed = allowedTargets(from, role);
  if (allowed.includes(to)) return;
  const exists = TASK_TRANSITIONS[from].some((move) => move.to === to);
  throw new DomainError(
    'validation_failed',
    exists
      ? `Only an admin can move a task from ${from} to ${to}.`
      : `A task cannot move from ${from} to ${to}; allowed: ${allowed.join(', ') || 'none'}.`,
    {
      errors: [{ field: 'status', message: `status must be one of ${allowed.join(', ') || 'none'} from ${from}` }],
      extensions: { from, allowedTargets: allowed },
    },
  );
}
