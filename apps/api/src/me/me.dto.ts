import { ApiProperty } from '@nestjs/swagger';
import type { Account } from '@groundwork/identity';
import { AuditEventDto } from '../common/audit-event.dto.js';
import { PageDto } from '../common/page.dto.js';

export class MeDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  @ApiProperty()
  emailVerified!: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(account: Account): MeDto {
    return { ...account, createdAt: account.createdAt.toISOString() };
  }
}

export class AuditEventPageDto extends PageDto(AuditEventDto) {}
