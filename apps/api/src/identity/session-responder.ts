import { Injectable } from '@nestjs/common';
import type { OpenedSession } from '@groundwork/identity';
import type { CookieSessionDto, TokenPairDto } from './login.dto.js';
import { SessionCookie } from '../http/auth/session-cookie.js';
import type { HeaderSettable } from '../http/header-settable.js';

/**
 * Turns a fresh session into the login answer: the token pair, or for browser sessions the
 * cookie (set here) and the CSRF token. Shared by password and OpenID logins.
 */
@Injectable()
export class SessionResponder {
  constructor(private readonly cookie: SessionCookie) {}

  respond(response: HeaderSettable, session: OpenedSession): TokenPairDto | CookieSessionDto {
    response.setHeader('Cache-Control', 'no-store');
    switch (session.kind) {
      case 'bearer':
        return session.tokens;
      case 'cookie':
        response.setHeader('Set-Cookie', this.cookie.set(session.cookieId, session.maxAgeSeconds));
        return { csrfToken: session.csrfToken };
      default: {
        const unreachable: never = session;
        throw new Error(`unknown session kind ${String(unreachable)}`);
      }
    }
  }

  clear(response: HeaderSettable): void {
    response.setHeader('Set-Cookie', this.cookie.clear());
  }
}
