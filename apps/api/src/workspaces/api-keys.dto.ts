import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsDateString, IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { API_KEY_ROLES, type ApiKeyRole, type ApiKeySummary, type CreatedApiKey } from '@groundwork/workspaces';
import { PageDto } from '../http/page.dto.js';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'CI deploy bot', minLength: 1, maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES, description: 'No higher than your own role; keys are never owners.' })
  @IsIn(API_KEY_ROLES)
  role!: ApiKeyRole;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the key stops working (default: never).' })
  @IsOptional()
  @IsDateString({ strict: true })
  expiresAt?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: ['owner', 'admin', 'member', 'viewer'] })
  role!: string;

  @ApiProperty({ example: 'gw_0193a1b2c', description: 'The first characters of the key, to tell keys apart.' })
  prefix!: string;

  @ApiProperty({ format: 'uuid' })
  createdById!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  expiresAt!: string | null;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Recorded with a one-minute resolution.',
  })
  lastUsedAt!: string | null;

  static from(key: ApiKeySummary): ApiKeyDto {
    return {
      id: key.id,
      name: key.name,
      role: key.role,
      prefix: key.prefix,
      createdById: key.createdById,
      createdAt: key.createdAt.toISOString(),
      expiresAt: key.expiresAt?.toISOString() ?? null,
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'gw_0193a1b2c3d47e5f8a9b0c1d2e3f4a5b_…',
    description: 'The key itself: shown only in this response. Send it as `Authorization: Bearer <secret>`.',
  })
  secret!: string;

  static fromCreated(key: CreatedApiKey): CreatedApiKeyDto {
    return { ...ApiKeyDto.from(key), secret: key.secret };
  }
}

export class ApiKeyPageDto extends PageDto(ApiKeyDto) {}
