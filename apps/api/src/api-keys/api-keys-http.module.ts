import { Module } from '@nestjs/common';
import { WorkspacesModule } from '@groundwork/workspaces';
import { ApiKeysController } from './api-keys.controller.js';

@Module({
  imports: [WorkspacesModule],
  controllers: [ApiKeysController],
})
export class ApiKeysHttpModule {}
