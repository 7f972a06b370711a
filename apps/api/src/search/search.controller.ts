import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { type Page, Paginated } from '@groundwork/platform';
import { SEARCH_TYPES, SearchService } from '@groundwork/search';
import { RequirePermission } from '../http/auth/access-rules.js';
import { WorkspaceId } from '../http/auth/caller.decorators.js';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { SearchHitDto, SearchHitPageDto, SearchQueryDto } from './search.dto.js';

/** Full-text search over a workspace's live tasks and comments (viewers and up). */
@ApiTags('search')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller({ path: 'workspaces/:workspaceId/search', version: '1' })
export class SearchController {
  constructor(private readonly searchService: SearchService) {}

  @Get()
  @Paginated()
  @RequirePermission('tasks:read')
  @ApiOperation({
    operationId: 'search',
    summary: 'Tasks and comments matching a query, most relevant first, then most recent',
  })
  @ApiOkResponse({ type: SearchHitPageDto })
  @ApiProblemResponses(400, 401, 403, 404, 422, 429)
  async search(@WorkspaceId() workspaceId: string, @Query() query: SearchQueryDto): Promise<Page<SearchHitDto>> {
    const page = await this.searchService.search(workspaceId, {
      q: query.q,
      types: query.type ?? SEARCH_TYPES,
      projectId: query.projectId,
      limit: query.limit,
      cursor: query.cursor,
    });
    return { data: page.data.map(SearchHitDto.from), page: page.page };
  }
}
