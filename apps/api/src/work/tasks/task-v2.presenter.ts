import { Injectable } from '@nestjs/common';
import { UsersService } from '@groundwork/identity';
import { ProjectsService, type TaskView } from '@groundwork/work';
import type { TaskV2Dto } from './task-v2.dto.js';

/**
 * Presents tasks in the v2 shape. v1 and v2 share the service; only this presenter differs. It
 * looks up what v2 embeds — project keys and assignee names — once per page, not per task.
 */
@Injectable()
export class TaskV2Presenter {
  constructor(
    private readonly projects: ProjectsService,
    private readonly users: UsersService,
  ) {}

  async present(workspaceId: string, tasks: readonly TaskView[]): Promise<TaskV2Dto[]> {
    const [keys, names] = await Promise.all([
      this.projects.keysByIds(
        workspaceId,
        tasks.map((t) => t.projectId),
      ),
      this.users.namesByIds(tasks.flatMap((t) => (t.assigneeId ? [t.assigneeId] : []))),
    ]);
    return tasks.map((task) => ({
      id: task.id,
      key: `${keys.get(task.projectId) ?? '?'}-${task.number}`,
      projectId: task.projectId,
      number: task.number,
      title: task.title,
      description: task.description,
      status: task.status,
      priority: task.priority,
      assignee: task.assigneeId ? { id: task.assigneeId, name: names.get(task.assigneeId) ?? 'Deleted user' } : null,
      labels: task.labels,
      dueAt: task.dueAt?.toISOString() ?? null,
      version: task.version,
      createdAt: task.createdAt.toISOString(),
      updatedAt: task.updatedAt.toISOString(),
    }));
  }
}
