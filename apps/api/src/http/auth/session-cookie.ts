import { parse, serialize } from 'cookie';
import type { AppConfig } from '@groundwork/platform';

/**
 * The session cookie. In production it is `__Host-` prefixed: the browser then insists on
 * Secure, Path=/ and no Domain, so no subdomain can plant or read it.
 */
export class SessionCookie {
  readonly name: string;
  private readonly secure: boolean;

  constructor(config: AppConfig) {
    this.secure = config.isProduction;
    this.name = this.secure ? '__Host-gw_session' : 'gw_session';
  }

  read(cookieHeader: string | undefined): string | undefined {
    if (!cookieHeader) return undefined;
    try {
      return parse(cookieHeader)[this.name];
    } catch {
      return undefined;
    }
  }

  set(cookieId: string, maxAgeSeconds: number): string {
    return serialize(this.name, cookieId, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      maxAge: maxAgeSeconds,
    });
  }

  clear(): string {
    return serialize(this.name, '', { httpOnly: true, sameSite: 'lax', secure: this.secure, path: '/', maxAge: 0 });
  }
}
