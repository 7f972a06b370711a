import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AppConfig } from '@groundwork/platform';
import { loadSigningKey, type PublicJwk, type SigningKey } from './signing-keys.js';

export const ACCESS_TOKEN_AUDIENCE = 'groundwork-api';
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

/** The claims of an access token (docs/identity-and-access.md). */
export interface AccessTokenClaims {
  sub: string;
  sid: string;
}

/**
 * ES256 access tokens. The first key of JWT_SIGNING_KEYS signs; every key verifies, so a new
 * key can be put first while tokens signed by the old one stay valid until they expire.
 * Verification itself happens at the HTTP edge (passport-jwt), with the key this service
 * finds by `kid`.
 */
@Injectable()
export class AccessTokens {
  private readonly keys: SigningKey[];
  private readonly byKid: Map<string, SigningKey>;
  readonly issuer: string;

  constructor(config: AppConfig) {
    this.keys = config.secrets.jwtSigningKeys.map(loadSigningKey);
    if (this.keys.length === 0) throw new Error('no JWT signing key is configured');
    this.byKid = new Map(this.keys.map((key) => [key.kid, key]));
    this.issuer = config.http.publicApiUrl;
  }

  sign(claims: AccessTokenClaims): string {
    const [signer] = this.keys as [SigningKey, ...SigningKey[]];
    return jwt.sign({ sid: claims.sid }, signer.privateKey, {
      algorithm: 'ES256',
      keyid: signer.kid,
      issuer: this.issuer,
      audience: ACCESS_TOKEN_AUDIENCE,
      subject: claims.sub,
      expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    });
  }

  /** The verification key of a `kid`, or undefined for a key this deployment does not know. */
  publicKey(kid: string): KeyObject | undefined {
    return this.byKid.get(kid)?.publicKey;
  }

  /** `/.well-known/jwks.json`. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map((key) => key.jwk) };
  }
}
