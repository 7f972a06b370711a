import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, MaxLength } from 'class-validator';
import { type AssignableRole, type InvitationView, WORKSPACE_ROLES, type WorkspaceRole } from '@groundwork/workspaces';
import { PageDto } from '../http/page.dto.js';
import { ASSIGNABLE_ROLES } from './members.dto.js';

export class CreateInvitationDto {
  @ApiProperty({ example: 'grace@example.com', maxLength: 254 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MaxLength(254)
  @IsEmail({ allow_display_name: false, allow_ip_domain: false, require_tld: false })
  email!: string;

  @ApiProperty({ enum: ASSIGNABLE_ROLES, description: 'No higher than the inviter’s role; never `owner`.' })
  @IsIn(ASSIGNABLE_ROLES)
  role!: AssignableRole;
}

export class InvitationDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ example: 'grace@example.com' })
  email!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES })
  role!: WorkspaceRole;

  @ApiProperty({ format: 'uuid' })
  invitedById!: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  acceptedAt!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  static from(invitation: InvitationView): InvitationDto {
    return {
      ...invitation,
      expiresAt: invitation.expiresAt.toISOString(),
      acceptedAt: invitation.acceptedAt?.toISOString() ?? null,
      createdAt: invitation.createdAt.toISOString(),
    };
  }
}

export class InvitationPageDto extends PageDto(InvitationDto) {}
