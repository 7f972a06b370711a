import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsIn, IsOptional, IsString, IsUUID, Matches } from 'class-validator';
import { PageQueryDto } from '../http/page-query.dto.js';
import { MAX_QUERY_CHARACTERS, type SearchHit, SEARCH_TYPES, type SearchType } from '@groundwork/search';
import { PageDto } from '../http/page.dto.js';

const asArray = ({ value }: { value: unknown }) =>
  value === undefined ? undefined : Array.isArray(value) ? value : [value];

/** 1–200 characters counted as code points (the `u` flag), at least one that is not a space. */
const QUERY = new RegExp(`^(?=[\\s\\S]*\\S)[\\s\\S]{1,${MAX_QUERY_CHARACTERS}}$`, 'u');

export class SearchQueryDto extends PageQueryDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_QUERY_CHARACTERS,
    example: 'deploy "release notes" -draft',
    description:
      'Web-search syntax: words (all must match; stemmed, case- and accent-insensitive), `"a phrase"`, ' +
      '`-excluded`, `or`. The last word also matches as a prefix.',
  })
  @IsString()
  @Matches(QUERY, { message: `q must be 1 to ${MAX_QUERY_CHARACTERS} characters, not only spaces` })
  q!: string;

  @ApiPropertyOptional({
    enum: SEARCH_TYPES,
    isArray: true,
    description: 'Repeatable: `type=task&type=comment` (default: both).',
  })
  @IsOptional()
  @Transform(asArray)
  @IsArray()
  @IsIn(SEARCH_TYPES, { each: true })
  type?: SearchType[];

  @ApiPropertyOptional({ format: 'uuid', description: 'Only tasks of this project and their comments.' })
  @IsOptional()
  @IsUUID()
  projectId?: string;
}

export class SearchHitDto {
  @ApiProperty({ enum: SEARCH_TYPES })
  type!: SearchType;

  @ApiProperty({ format: 'uuid', description: 'The task’s or the comment’s id.' })
  id!: string;

  @ApiProperty({ format: 'uuid', description: 'The task itself for a task; the commented task for a comment.' })
  taskId!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ description: 'The task’s title (for a comment, its task’s title), as stored.' })
  title!: string;

  @ApiProperty({
    description:
      'An excerpt of the best-matching field (title, description or comment body): plain text, HTML-escaped, ' +
      'each match wrapped in `<mark>`…`</mark>`.',
    example: 'Write the <mark>release</mark> notes for &lt;v2&gt;',
  })
  snippet!: string;

  @ApiProperty({ description: 'Relevance (higher is better); comparable within one result list only.' })
  score!: number;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  static from(hit: SearchHit): SearchHitDto {
    return { ...hit, updatedAt: hit.updatedAt.toISOString() };
  }
}

export class SearchHitPageDto extends PageDto(SearchHitDto) {}
