import { type Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import type { Page } from '@groundwork/platform';

export class PageInfoDto {
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page; null on the last.' })
  nextCursor!: string | null;

  @ApiProperty({ example: 20 })
  limit!: number;
}

/** The list envelope (`data` + `page`) as a named schema per item type (`AuditEventPageDto`, …). */
export function PageDto<T>(item: Type<T>): Type<Page<T>> {
  class ItemPage {
    @ApiProperty({ type: [item] })
    data!: T[];

    @ApiProperty({ type: PageInfoDto })
    page!: PageInfoDto;
  }
  Object.defineProperty(ItemPage, 'name', { value: `${item.name.replace(/Dto$/, '')}PageDto` });
  return ItemPage;
}
