import { parse, serialize } from 'cookie';
import { OIDC_LOGIN_TTL_SECONDS } from '@groundwork/identity';
import type { AppConfig } from '@groundwork/platform';

/**
 * Binds an OpenID login to the browser that started it: the authorize route stores the login's
 * `state` in this cookie, and the callback only accepts a `state` equal to it. So a callback URL
 * planted in someone else's browser (login CSRF) finds no matching cookie and signs nobody in.
 * httpOnly, SameSite=Lax (sent on the IdP's top-level redirect back, not on cross-site
 * subrequests), scoped to the provider's callback path and as short-lived as the login itself.
 * In production it is Secure and `__Secure-` prefixed (`__Host-` would force Path=/).
 */
export class OidcStateCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(config: Pick<AppConfig, 'isProduction'>) {
    this.secure = config.isProduction;
    this.name = this.secure ? '__Secure-gw_oidc_state' : 'gw_oidc_state';
  }

  read(cookieHeader: string | undefined): string | undefined {
    if (!cookieHeader) return undefined;
    try {
      return parse(cookieHeader)[this.name];
    } catch {
      return undefined;
    }
  }

  set(provider: string, state: string): string {
    return serialize(this.name, state, { ...this.attributes(provider), maxAge: OIDC_LOGIN_TTL_SECONDS });
  }

  clear(provider: string): string {
    return serialize(this.name, '', { ...this.attributes(provider), maxAge: 0 });
  }

  private attributes(provider: string) {
    return {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: `/v1/auth/oidc/${encodeURIComponent(provider)}/callback`,
    } as const;
  }
}
