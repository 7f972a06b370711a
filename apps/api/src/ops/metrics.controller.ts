import { Controller, Get, Header, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { MetricsService } from '@groundwork/platform';
import { Public } from '../http/auth/access-rules.js';
import { SkipRateLimit } from '../http/rate-limit/rate-limit.decorator.js';
import type { HeaderSettable } from '../http/header-settable.js';

/** Prometheus scrape endpoint (text exposition format). */
@ApiExcludeController()
@SkipRateLimit()
@Controller({ path: 'metrics', version: VERSION_NEUTRAL })
@Public()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res({ passthrough: true }) res: HeaderSettable): Promise<string> {
    res.setHeader('Content-Type', this.metrics.contentType);
    return this.metrics.render();
  }
}
