import { Module } from '@nestjs/common';
import { FlagsModule } from '@groundwork/flags';
import { AdminAuditLogController } from './admin-audit-log.controller.js';
import { AdminFlagsController } from './admin-flags.controller.js';
import { WorkspaceFlagsController } from './workspace-flags.controller.js';

@Module({
  imports: [FlagsModule],
  controllers: [WorkspaceFlagsController, AdminFlagsController, AdminAuditLogController],
})
export class FlagsHttpModule {}
