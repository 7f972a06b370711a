import { Module } from '@nestjs/common';
import { WorkModule } from '@groundwork/work';
import { CommentsController } from './comments/comments.controller.js';
import { ProjectsController } from './projects/projects.controller.js';
import { TasksController } from './tasks/tasks.controller.js';

/** The HTTP edge of the work context: projects, tasks, comments. */
@Module({
  imports: [WorkModule],
  controllers: [ProjectsController, TasksController, CommentsController],
})
export class WorkHttpModule {}
