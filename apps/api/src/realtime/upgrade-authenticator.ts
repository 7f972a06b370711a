import type { IncomingMessage } from 'node:http';
import { type ExecutionContext, Injectable } from '@nestjs/common';
import { SessionsService } from '@groundwork/identity';
import { WsTicketsService } from '@groundwork/realtime';
import { AuthenticationGuard } from '../http/auth/authentication.guard.js';
import type { Principal } from '../http/auth/principal.js';
import { requestPrincipal } from '../http/auth/request-auth.js';

/** The subprotocol that carries an access token: `Sec-WebSocket-Protocol: bearer, <token>`. */
export const BEARER_SUBPROTOCOL = 'bearer';

/** The token that follows `bearer` in the offered subprotocols, if any. */
export function bearerSubprotocolToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const offered = header.split(',').map((part) => part.trim());
  const at = offered.findIndex((part) => part.toLowerCase() === BEARER_SUBPROTOCOL);
  const token = at === -1 ? undefined : offered[at + 1];
  return token ? token : undefined;
}

/**
 * Who is opening a WebSocket, decided on the raw upgrade request (Nest's guards only run after
 * the handshake, too late to answer 401): a single-use ticket in `?ticket=`, or an access token
 * (or API key) in the `bearer` subprotocol. Tokens go through the api's one authentication
 * path, the AuthenticationGuard, so a socket accepts exactly the credentials a request does.
 * Cookies are not accepted here: a browser would send them on a cross-site upgrade too.
 */
@Injectable()
export class UpgradeAuthenticator {
  constructor(
    private readonly authentication: AuthenticationGuard,
    private readonly tickets: WsTicketsService,
    private readonly sessions: SessionsService,
  ) {}

  async authenticate(request: IncomingMessage, url: URL): Promise<Principal | undefined> {
    const ticket = url.searchParams.get('ticket');
    if (ticket !== null) return this.fromTicket(ticket);
    const token = bearerSubprotocolToken(request.headers['sec-websocket-protocol']);
    return token === undefined ? undefined : this.fromToken(token);
  }

  private async fromTicket(ticket: string): Promise<Principal | undefined> {
    const bound = await this.tickets.redeem(ticket);
    if (!bound || !(await this.sessions.isActiveFor(bound.sessionId, bound.userId))) return undefined;
    return { kind: 'user', userId: bound.userId, sessionId: bound.sessionId, via: bound.via };
  }

  private async fromToken(token: string): Promise<Principal | undefined> {
    const request = { method: 'GET', headers: { authorization: `Bearer ${token}` } };
    // The guard reads only the request; this context says it is not an HTTP exchange, so the
    // guard does not try to set response headers. The handler is this upgrade's, which carries
    // no route metadata (an API key's role lookup asked for it and failed without one).
    const context = {
      getType: () => 'ws',
      getHandler: () => UpgradeAuthenticator.prototype.authenticate,
      getClass: () => UpgradeAuthenticator,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => undefined, getNext: () => undefined }),
    } as unknown as ExecutionContext;
    await this.authentication.canActivate(context);
    return requestPrincipal(request);
  }
}
