import { Body, Controller, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { LoginService, PasswordResetService, SessionsService } from '@groundwork/identity';
import { AuditTrail } from '@groundwork/platform';
import { ApiProblemResponses } from '../http/api-problem-responses.decorator.js';
import { RateLimit } from '../http/rate-limit/rate-limit.decorator.js';
import { Authenticated, Public } from '../http/auth/access-rules.js';
import { CurrentUser } from '../http/auth/caller.decorators.js';
import {
  CookieSessionDto,
  ForgotPasswordDto,
  LoginDto,
  LoginQueryDto,
  RefreshDto,
  ResetPasswordDto,
  TokenPairDto,
} from './login.dto.js';
import type { UserPrincipal } from '../http/auth/principal.js';
import { SessionCookie } from '../http/auth/session-cookie.js';
import { SessionResponder } from './session-responder.js';
import type { HeaderSettable } from '../http/header-settable.js';

interface CookieCarrier {
  headers: { cookie?: string };
}

@ApiTags('auth')
@Controller({ path: 'auth', version: '1' })
export class LoginController {
  constructor(
    private readonly login: LoginService,
    private readonly sessions: SessionsService,
    private readonly passwordReset: PasswordResetService,
    private readonly responder: SessionResponder,
    private readonly cookie: SessionCookie,
    private readonly audit: AuditTrail,
  ) {}

  @Post('login')
  @RateLimit('auth')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    operationId: 'login',
    summary: 'Sign in with email and password: a token pair, or with `?session=cookie` a browser session.',
  })
  @ApiExtraModels(TokenPairDto, CookieSessionDto)
  @ApiOkResponse({
    schema: { oneOf: [{ $ref: getSchemaPath(TokenPairDto) }, { $ref: getSchemaPath(CookieSessionDto) }] },
    description: 'Tokens; or, for `?session=cookie`, the CSRF token (the session cookie is set).',
  })
  @ApiProblemResponses(400, 401, 403, 422, 429, 503)
  async signIn(
    @Body() body: LoginDto,
    @Query() query: LoginQueryDto,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<TokenPairDto | CookieSessionDto> {
    const session = await this.login.login({ ...body, kind: query.session === 'cookie' ? 'cookie' : 'bearer' });
    return this.responder.respond(response, session);
  }

  @Post('refresh')
  @RateLimit('auth')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    operationId: 'refreshTokens',
    summary: 'Trade a refresh token for a new pair. A token is single use: reusing one revokes its whole session.',
  })
  @ApiOkResponse({ type: TokenPairDto })
  @ApiProblemResponses(400, 401, 422, 429)
  async refresh(@Body() body: RefreshDto, @Res({ passthrough: true }) response: HeaderSettable): Promise<TokenPairDto> {
    response.setHeader('Cache-Control', 'no-store');
    return this.sessions.refresh(body.refreshToken);
  }

  @Post('logout')
  @HttpCode(204)
  @Authenticated()
  @ApiBearerAuth()
  @ApiCookieAuth()
  @ApiOperation({ operationId: 'logout', summary: 'End the current session: its tokens or cookie stop working.' })
  @ApiNoContentResponse({ description: 'The session is revoked.' })
  @ApiProblemResponses(401, 403, 429)
  async logout(
    @CurrentUser() user: UserPrincipal,
    @Req() request: CookieCarrier,
    @Res({ passthrough: true }) response: HeaderSettable,
  ): Promise<void> {
    if (user.via === 'cookie') {
      await this.sessions.endCookieSession(this.cookie.read(request.headers.cookie) ?? '', user.sessionId);
      this.responder.clear(response);
    } else {
      await this.sessions.revoke(user.sessionId, 'logout');
    }
    await this.audit.record({ action: 'logout', userId: user.userId, details: { via: user.via } });
  }

  @Post('password/forgot')
  @RateLimit('auth')
  @HttpCode(202)
  @Public()
  @ApiOperation({
    operationId: 'forgotPassword',
    summary: 'Ask for a password reset mail. Always 202, whether or not the email has an account.',
  })
  @ApiAcceptedResponse({ description: 'If the email has an account, a reset mail is on its way.' })
  @ApiProblemResponses(400, 422, 429)
  async forgot(@Body() body: ForgotPasswordDto): Promise<void> {
    await this.passwordReset.request(body.email);
  }

  @Post('password/reset')
  @RateLimit('auth')
  @HttpCode(204)
  @Public()
  @ApiOperation({
    operationId: 'resetPassword',
    summary: 'Set a new password with the mailed token; every session ends.',
  })
  @ApiNoContentResponse({ description: 'The password is changed and every session of the account revoked.' })
  @ApiProblemResponses(400, 422, 429)
  async reset(@Body() body: ResetPasswordDto): Promise<void> {
    await this.passwordReset.reset(body.token, body.password);
  }
}
