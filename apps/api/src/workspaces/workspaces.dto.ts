import { ApiProperty, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import {
  type OwnershipTransfer,
  WORKSPACE_ROLES,
  type WorkspaceRole,
  type WorkspaceView,
} from '@groundwork/workspaces';
import { PageDto } from '../http/page.dto.js';

const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const SLUG_MESSAGE = 'slug must be lower-case letters and digits, in words joined by single dashes';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateWorkspaceDto {
  @ApiProperty({ example: 'Acme Corp', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ example: 'acme-corp', minLength: 3, maxLength: 50, pattern: SLUG_PATTERN.source })
  @IsString()
  @MinLength(3)
  @MaxLength(50)
  @Matches(SLUG_PATTERN, { message: SLUG_MESSAGE })
  slug!: string;
}

/** PATCH: either field or both, under the same rules (null is refused). */
export class UpdateWorkspaceDto extends PartialType(CreateWorkspaceDto, { skipNullProperties: false }) {}

export class WorkspaceDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Acme Corp' })
  name!: string;

  @ApiProperty({ example: 'acme-corp' })
  slug!: string;

  @ApiProperty({ enum: WORKSPACE_ROLES, description: 'The caller’s role in the workspace.' })
  role!: WorkspaceRole;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(workspace: WorkspaceView): WorkspaceDto {
    return {
      id: workspace.id,
      name: workspace.name,
      slug: workspace.slug,
      role: workspace.role,
      createdAt: workspace.createdAt.toISOString(),
      updatedAt: workspace.updatedAt.toISOString(),
    };
  }
}

export class WorkspacePageDto extends PageDto(WorkspaceDto) {}

export class TransferOwnershipDto {
  @ApiProperty({ format: 'uuid', description: 'The member who becomes the owner.' })
  @IsUUID()
  userId!: string;
}

export class OwnershipTransferDto {
  @ApiProperty({ format: 'uuid' })
  workspaceId!: string;

  @ApiProperty({ format: 'uuid', description: 'The new owner.' })
  ownerId!: string;

  @ApiProperty({ format: 'uuid', description: 'The previous owner, now an admin.' })
  previousOwnerId!: string;

  static from(transfer: OwnershipTransfer): OwnershipTransferDto {
    return { ...transfer };
  }
}
