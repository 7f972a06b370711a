import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import type { ProjectView } from '@groundwork/work';
import { PageDto } from '../../http/page.dto.js';

const KEY_PATTERN = /^[A-Z]{2,10}$/;
const KEY_MESSAGE = 'key must be 2 to 10 upper-case letters';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateProjectDto {
  @ApiProperty({ example: 'Engine', minLength: 1, maxLength: 100 })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiProperty({
    example: 'ENG',
    pattern: KEY_PATTERN.source,
    description: 'Unique per workspace; prefixes task numbers.',
  })
  @IsString()
  @Matches(KEY_PATTERN, { message: KEY_MESSAGE })
  key!: string;

  @ApiPropertyOptional({ maxLength: 10_000, nullable: true, type: String, description: 'Markdown; HTML is removed.' })
  @IsOptional()
  @IsString()
  @MaxLength(10_000)
  description?: string | null;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1000,
    nullable: true,
    type: Number,
    description: 'Most tasks in progress at once; null = no limit.',
  })
  @ValidateIf((_object, value) => value !== null && value !== undefined)
  @IsInt()
  @Min(1)
  @Max(1000)
  wipLimit?: number | null;
}

/** PATCH: any subset of the fields, under the same rules; null clears a nullable one and is refused for the others. */
export class UpdateProjectDto extends PartialType(CreateProjectDto, { skipNullProperties: false }) {}

export class ProjectDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Engine' })
  name!: string;

  @ApiProperty({ example: 'ENG' })
  key!: string;

  @ApiProperty({ nullable: true, type: String })
  description!: string | null;

  @ApiProperty({ nullable: true, type: Number })
  wipLimit!: number | null;

  @ApiProperty({ example: 1, description: 'Changes with every write; the ETag is built from it.' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(project: ProjectView): ProjectDto {
    return {
      id: project.id,
      name: project.name,
      key: project.key,
      description: project.description,
      wipLimit: project.wipLimit,
      version: project.version,
      createdAt: project.createdAt.toISOString(),
      updatedAt: project.updatedAt.toISOString(),
    };
  }
}

export class ProjectPageDto extends PageDto(ProjectDto) {}
