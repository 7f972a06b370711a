import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Principal, UserPrincipal } from './principal.js';
import { requestAuth } from './request-auth.js';

function principalOf(context: ExecutionContext): Principal {
  const principal = requestAuth(context.switchToHttp().getRequest<object>()).principal;
  if (!principal) throw new Error('a caller decorator was used on a public route');
  return principal;
}

/** `@Caller() caller: Principal` — a person or an API key (workspace routes). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext) => principalOf(context));

/** `@CurrentUser() user: UserPrincipal` — on `@Authenticated()` routes, which refuse API keys. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): UserPrincipal => {
  const principal = principalOf(context);
  if (principal.kind !== 'user') throw new Error('@CurrentUser() used on a route that admits API keys');
  return principal;
});
