import { SetMetadata } from '@nestjs/common';

export const TIMEOUT_BUDGET = 'groundwork:timeout-budget';

/**
 * The route's time budget in milliseconds, instead of `REQUEST_TIMEOUT_MS`; `false` opts a route
 * out (streams such as SSE, which are meant to stay open; probes, which the kubelet times itself).
 * On a method or a controller; the method's wins.
 */
export const Timeout = (budget: number | false) => SetMetadata(TIMEOUT_BUDGET, budget);
