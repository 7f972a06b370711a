import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import {
  FLAG_KEY_PATTERN,
  type FlagDefinition,
  type FlagValueForClient,
  MAX_FLAG_DESCRIPTION_LENGTH,
  MAX_FLAG_VARIANTS,
  MAX_FLAG_WORKSPACES,
  MAX_VARIANT_NAME_LENGTH,
} from '@groundwork/flags';

/**
 * `PUT /v1/admin/flags/{key}`: the whole definition (absent fields are cleared). The shapes are
 * checked here; the rules (key pattern, variant count, `defaultVariant` naming a variant) are
 * the service's, which answers 422 naming the field either way.
 */
export class PutFlagDto {
  @ApiPropertyOptional({ maxLength: MAX_FLAG_DESCRIPTION_LENGTH, nullable: true, type: String })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_FLAG_DESCRIPTION_LENGTH)
  description?: string | null;

  @ApiProperty({ description: 'Off: only the listed workspaces get the flag.' })
  @IsBoolean()
  enabled!: boolean;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    nullable: true,
    type: Number,
    description:
      'On for the workspaces whose stable bucket (a hash of the key and the workspace id, mod 100) is below it. ' +
      'Absent: no rollout limit.',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  rolloutPercent?: number | null;

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    maxItems: MAX_FLAG_WORKSPACES,
    nullable: true,
    description: 'Workspaces that always get the flag on.',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FLAG_WORKSPACES)
  @IsUUID('all', { each: true })
  workspaceIds?: string[] | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: MAX_FLAG_VARIANTS,
    nullable: true,
    example: { compact: 'compact', comfortable: 'comfortable' },
    description: 'A variant flag: `{name: value}`; it answers its `defaultVariant` value when on and null when off.',
  })
  @IsOptional()
  @IsObject()
  variants?: Record<string, string> | null;

  @ApiPropertyOptional({
    maxLength: MAX_VARIANT_NAME_LENGTH,
    nullable: true,
    type: String,
    description: 'Names one of `variants` (required with them).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_VARIANT_NAME_LENGTH)
  defaultVariant?: string | null;
}

export class FlagDto {
  @ApiProperty({ pattern: FLAG_KEY_PATTERN.source, example: 'attachments' })
  key!: string;

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty()
  enabled!: boolean;

  @ApiProperty({ nullable: true, type: Number, minimum: 0, maximum: 100 })
  rolloutPercent!: number | null;

  @ApiProperty({ type: [String], format: 'uuid' })
  workspaceIds!: string[];

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, nullable: true })
  variants!: Record<string, string> | null;

  @ApiProperty({ nullable: true, type: String })
  defaultVariant!: string | null;

  @ApiProperty({ description: 'Declared in code: DELETE returns it to its built-in default.' })
  builtIn!: boolean;

  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'Null: never changed (built-in default).',
  })
  updatedAt!: string | null;

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The platform administrator who last changed it.',
  })
  updatedBy!: string | null;

  static from(flag: FlagDefinition): FlagDto {
    return {
      key: flag.key,
      description: flag.description,
      enabled: flag.enabled,
      rolloutPercent: flag.rolloutPercent,
      workspaceIds: [...flag.workspaceIds],
      variants: flag.variants === null ? null : { ...flag.variants },
      defaultVariant: flag.defaultVariant,
      builtIn: flag.builtIn,
      updatedAt: flag.updatedAt?.toISOString() ?? null,
      updatedBy: flag.updatedBy,
    };
  }
}

export class FlagListDto {
  @ApiProperty({ type: [FlagDto] })
  data!: FlagDto[];
}

export class WorkspaceFlagsDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'boolean' }, { type: 'string' }], nullable: true },
    example: { attachments: true, search: true, 'ui.density': 'compact' },
    description: 'Every flag as evaluated for the workspace: on/off, or a variant flag’s value (null when off).',
  })
  flags!: Record<string, FlagValueForClient>;
}
