import { Module } from '@nestjs/common';
import { IdentityModule } from '@groundwork/identity';
import { WorkModule } from '@groundwork/work';
import { HttpCacheModule } from '../http/cache/http-cache.module.js';
import { CommentsController } from './comments/comments.controller.js';
import { ProjectsController } from './projects/projects.controller.js';
import { TaskV2Presenter } from './tasks/task-v2.presenter.js';
import { TasksV2Controller } from './tasks/tasks-v2.controller.js';
import { TasksController } from './tasks/tasks.controller.js';

/** The HTTP edge of the work context: projects, tasks, comments. */
@Module({
  imports: [WorkModule, IdentityModule, HttpCacheModule],
  controllers: [ProjectsController, TasksController, TasksV2Controller, CommentsController],
  providers: [TaskV2Presenter],
})
export class WorkHttpModule {}
