import { ApiProperty } from '@nestjs/swagger';
import type { AuditRecord } from '@groundwork/platform';
import { PageDto } from './page.dto.js';

/** One entry of an audit trail (account security events or a workspace's audit log). */
export class AuditEventDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'login.succeeded' })
  action!: string;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The user who acted, if any.' })
  actorId!: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The API key that acted, if any.' })
  actorApiKeyId!: string | null;

  @ApiProperty({ nullable: true, type: String })
  ip!: string | null;

  @ApiProperty({ nullable: true, type: String })
  userAgent!: string | null;

  @ApiProperty({ nullable: true, type: String })
  requestId!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: object;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(record: AuditRecord): AuditEventDto {
    return {
      ...record,
      details: typeof record.details === 'object' && record.details !== null ? record.details : {},
      createdAt: record.createdAt.toISOString(),
    };
  }
}

export class AuditEventPageDto extends PageDto(AuditEventDto) {}
