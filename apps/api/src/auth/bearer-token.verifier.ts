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
@Injectable()
export class BearerTokenVerifier {
  private readonly strategy: InstanceType<typeof Strategy>;

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
  verify(request: object): Promise<AccessTokenClaims | undefined> {
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
