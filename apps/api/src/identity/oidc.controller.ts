import { Controller, Get, HttpCode, Param, Query, Redirect, Req, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { OidcLoginService } from '@groundwork/identity';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { RateLimit } from '../http/rate-limit/rate-limit.decorator.js';
import { Public } from '../http/auth/access-rules.js';
import { CookieSessionDto, TokenPairDto } from './login.dto.js';
import { OidcAuthorizeQueryDto } from './oidc.dto.js';
import { OidcStateCookie } from './oidc-state-cookie.js';
import { SessionResponder } from './session-responder.js';
import type { HeaderSettable } from '../http/header-settable.js';

interface CallbackRequest {
  url: string;
  headers: { cookie?: string };
}

const PROVIDER_PARAM = {
  name: 'provider',
  description: 'The provider: `<NAME>` of its `OIDC_<NAME>_*` variables, lower-cased.',
  example: 'google',
} as const;

/**
 * OpenID Connect login (authorization code + PKCE). The flow's rules live in OidcLoginService;
 * this controller only moves its parts through HTTP: the redirect, the state cookie, the answer.
 */
@ApiTags('auth')
@Controller({ path: 'auth/oidc/:provider', version: '1' })
export class OidcController {
  constructor(
    private readonly logins: OidcLoginService,
    private readonly stateCookie: OidcStateCookie,
    private readonly responder: SessionResponder,
  ) {}

  @Get('authorize')
  @RateLimit('auth')
  @Public()
  @Redirect()
  @ApiOperation({
    operationId: 'oidcAuthorize',
    summary:
      'Start signing in through an OpenID provider: redirects the browser to it (code flow with PKCE S256, state and nonce).',
  })
  @ApiParam(PROVIDER_PARAM)
  @ApiFoundResponse({
    description: "Redirect to the provider's authorization endpoint; sets the short-lived state cookie.",
    headers: { Location: { description: 'The authorization URL', schema: { type: 'string', format: 'uri' } } },
  })
  @ApiProblemResponses(404, 422, 429, 503)
  async authorize(
    @Param('provider') provider: string,
    @Query() query: OidcAuthorizeQueryDto,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<{ url: string; statusCode: number }> {
    const started = await this.logins.begin(provider, query.session === 'cookie' ? 'cookie' : 'bearer');
    response.setHeader('Cache-Control', 'no-store');
    response.setHeader('Set-Cookie', this.stateCookie.set(provider, started.state));
    return { url: started.authorizationUrl, statusCode: 302 };
  }

  @Get('callback')
  @RateLimit('auth')
  @Public()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'oidcCallback',
    summary:
      'Where the provider sends the browser back: the account is found, linked by verified email or created, and signed in — tokens, or the session cookie when the login started with `?session=cookie`.',
  })
  @ApiParam(PROVIDER_PARAM)
  @ApiQuery({ type: String, name: 'code', required: false, description: 'The authorization code (from the provider).' })
  @ApiQuery({ type: String, name: 'state', required: true, description: 'The login state (from the provider).' })
  @ApiQuery({ type: String, name: 'error', required: false, description: 'The provider refused the sign-in.' })
  @ApiExtraModels(TokenPairDto, CookieSessionDto)
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(TokenPairDto) }, { $ref: getSchemaPath(CookieSessionDto) }] },
    description: 'Tokens; or, for a cookie login, the CSRF token (the session cookie is set).',
  })
  @ApiProblemResponses(401, 403, 404, 429, 503)
  async callback(
    @Param('provider') provider: string,
    @Req() request: CallbackRequest,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<TokenPairDto | CookieSessionDto> {
    // The state cookie has served its purpose whatever the outcome: clear it on failures too.
    const clearState = this.stateCookie.clear(provider);
    response.setHeader('Set-Cookie', clearState);
    response.setHeader('Cache-Control', 'no-store');
    // The raw query, not a validated DTO: the provider may add parameters (iss, session_state...)
    // and openid-client must see every one it validates.
    const query = new URL(request.url, 'http://callback.invalid').searchParams;
    const result = await this.logins.complete(provider, query, this.stateCookie.read(request.headers.cookie));

    // The responder sets its own Set-Cookie (the session cookie); both must reach the browser.
    const cookies = [clearState];
    const collecting: HeaderSettable = {
      setHeader: (name, value) =>
        name.toLowerCase() === 'set-cookie' ? cookies.push(...[value].flat()) : response.setHeader(name, value),
    };
    const body = this.responder.respond(collecting, result.session);
    response.setHeader('Set-Cookie', cookies);
    return body;
  }
}
