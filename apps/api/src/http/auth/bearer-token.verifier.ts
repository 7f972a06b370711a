import { Injectable } from '@nestjs/common';
import passportJwt from 'passport-jwt';
import { ACCESS_TOKEN_AUDIENCE, type AccessTokenClaims, AccessTokens } from '@groundwork/identity';
import { isUuid } from '@groundwork/platform';

const { ExtractJwt, Strategy } = passportJwt;

/** The header of a JWT, read only to find its `kid` (the signature is checked by passport-jwt). */
function kidOf(rawJwt: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(rawJwt.split('.')[0] ?? '', 'base64url').toString('utf8')) as unknown;
    const kid = (header as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}

function expiryOf(claims: AccessTokenClaims): number | undefined {
  const exp = (claims as { exp?: unknown }).exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

function isClaims(value: unknown): value is AccessTokenClaims {
  const claims = value as Partial<AccessTokenClaims> | null;
  // We only ever issue UUIDs here; anything else is refused before it reaches a query.
  return typeof claims?.sub === 'string' && typeof claims.sid === 'string' && isUuid(claims.sub) && isUuid(claims.sid);
}

/**
 * Verifies access tokens with passport-jwt: ES256 only (no `none`, no HMAC with a public key),
 * the key chosen by `kid` among the configured ones, issuer and audience checked, expiry
 * enforced. Used as a plain strategy object, without Passport's middleware, so the
 * authentication guard can try every credential kind in one place.
 */
/** How many verified tokens an instance remembers (a busy client re-sends the same token). */
const VERIFIED_CACHE_SIZE = 10_000;

@Injectable()
export class BearerTokenVerifier {
  private readonly strategy: InstanceType<typeof Strategy>;
  private readonly fromRequest = ExtractJwt.fromAuthHeaderAsBearerToken();
  /**
   * Tokens already verified, by their exact text, until their `exp`. The same bytes verify the
   * same way every time (the keys are fixed for the life of the process), so a repeat skips the
   * ECDSA check — a sixth of the CPU of an authenticated read. Revocation is not affected: the
   * session is checked on every request after this.
   */
  private readonly verified = new Map<string, { claims: AccessTokenClaims; expiresAtMs: number }>();

  constructor(tokens: AccessTokens) {
    this.strategy = new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKeyProvider: (
          _request: unknown,
          rawJwt: string,
          done: (error: Error | null, key?: string | Buffer) => void,
        ) => {
          const key = tokens.publicKey(kidOf(rawJwt) ?? '');
          if (key === undefined) done(new Error('unknown signing key'));
          // jsonwebtoken 9 verifies with a KeyObject (the typings still say string | Buffer):
          // a PEM string would be parsed into one again on every request.
          else done(null, key as unknown as Buffer);
        },
        algorithms: ['ES256'],
        issuer: tokens.issuer,
        audience: ACCESS_TOKEN_AUDIENCE,
      },
      (payload: unknown, done: (error: Error | null, user?: unknown) => void) => done(null, payload),
    );
  }

  /** The claims of the request's valid access token, or undefined. */
  async verify(request: object, now = Date.now()): Promise<AccessTokenClaims | undefined> {
    const token = this.fromRequest(request as never);
    const known = token ? this.verified.get(token) : undefined;
    if (known) {
      if (known.expiresAtMs > now) return known.claims;
      this.verified.delete(token as string);
    }
    const claims = await this.verifyWithPassport(request);
    const expiresAtMs = claims === undefined ? undefined : expiryOf(claims);
    if (token && claims && expiresAtMs !== undefined) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(token, { claims: { sub: claims.sub, sid: claims.sid }, expiresAtMs });
    }
    return claims;
  }

  private verifyWithPassport(request: object): Promise<AccessTokenClaims | undefined> {
    return new Promise((resolve) => {
      // Passport's contract: a strategy reports through success/fail/error set on a per-request copy.
      const attempt = Object.assign(Object.create(this.strategy) as InstanceType<typeof Strategy>, {
        success: (user: unknown) => resolve(isClaims(user) ? user : undefined),
        fail: () => resolve(undefined),
        error: () => resolve(undefined),
      });
      attempt.authenticate(request as never);
    });
  }
}
