import type { Prisma } from '@groundwork/platform';
import type { TaskPriority, TaskStatus } from './task-workflow.js';

/** A task as every reader of its own context sees it. */
export interface TaskView {
  id: string;
  workspaceId: string;
  projectId: string;
  number: number;
  title: string;
  description: string | null;
  status: TaskStatus;
  priority: TaskPriority;
  assigneeId: string | null;
  labels: string[];
  dueAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const TASK_VIEW = {
  id: true,
  workspaceId: true,
  projectId: true,
  number: true,
  title: true,
  description: true,
  status: true,
  priority: true,
  assigneeId: true,
  labels: true,
  dueAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.TaskSelect;
