import { Controller, Get, HttpCode, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ReadinessService } from '@groundwork/platform';
import { SkipRateLimit } from '../http/rate-limit/rate-limit.decorator.js';
import { LivenessDto, ReadinessDto } from './health.dto.js';
import { Public } from '../http/auth/access-rules.js';
import { Timeout } from '../http/timeouts/timeout.decorator.js';

interface StatusSettable {
  status(code: number): unknown;
}

/**
 * Kubernetes probes. Unversioned: they belong to operators, not to API clients. No request
 * timeout: the kubelet times each probe itself, and a timeout's 503 must not pass for "not ready".
 */
@ApiTags('operations')
@SkipRateLimit()
@Timeout(false)
@Controller({ path: 'health', version: VERSION_NEUTRAL })
@Public()
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  @Get('live')
  @HttpCode(200)
  @ApiOperation({ operationId: 'getLiveness', summary: 'Liveness: 200 while the process runs' })
  @ApiOkResponse({ type: LivenessDto })
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    operationId: 'getReadiness',
    summary:
      'Readiness: 200 when this instance can serve (Redis down only degrades it), 503 otherwise or while draining',
  })
  @ApiOkResponse({ type: ReadinessDto })
  @ApiServiceUnavailableResponse({ type: ReadinessDto })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<ReadinessDto> {
    const report = await this.readiness.report();
    res.status(ReadinessService.isReady(report) ? 200 : 503);
    return report;
  }
}
