import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { type AssignableRole, type MemberView, WORKSPACE_ROLES, type WorkspaceRole } from '@groundwork/workspaces';
import { PageDto } from '../http/page.dto.js';

export const ASSIGNABLE_ROLES = ['admin', 'member', 'viewer'] as const satisfies readonly AssignableRole[];

export class MemberDto {
  @ApiProperty({ format: 'uuid' })
  userId!: string;

  @ApiProperty({ example: 'Ada Lovelace' })
  name!: string;

  @ApiProperty({ example: 'ada@example.com' })
  email!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES })
  role!: WorkspaceRole;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;

  static from(member: MemberView): MemberDto {
    return { ...member, joinedAt: member.joinedAt.toISOString() };
  }
}

export class MemberPageDto extends PageDto(MemberDto) {}

export class ChangeMemberRoleDto {
  @ApiProperty({ enum: ASSIGNABLE_ROLES, description: 'Not `owner`: ownership moves by transfer-ownership.' })
  @IsIn(ASSIGNABLE_ROLES)
  role!: AssignableRole;
}
