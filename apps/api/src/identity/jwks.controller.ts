import { Controller, Get, Header, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessTokens, type PublicJwk } from '@groundwork/identity';
import { Public } from '../http/auth/access-rules.js';
import { JwksDto } from './jwks.dto.js';

/** The public keys that verify access tokens (RFC 7517), for other services and clients. */
@ApiTags('auth')
@Controller({ path: '.well-known', version: VERSION_NEUTRAL })
export class JwksController {
  constructor(private readonly tokens: AccessTokens) {}

  @Get('jwks.json')
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ operationId: 'getJwks', summary: 'JSON Web Key Set of the access-token signing keys' })
  @ApiOkResponse({ type: JwksDto })
  jwks(): { keys: PublicJwk[] } {
    return this.tokens.jwks();
  }
}
