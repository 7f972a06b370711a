import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

/** A public key as the JWKS publishes it (RFC 7517), for ES256. */
export interface PublicJwk {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  use: 'sig';
  alg: 'ES256';
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

/**
 * Loads the EC P-256 keys of JWT_SIGNING_KEYS. Each key's id is its RFC 7638 thumbprint, so
 * the same key has the same `kid` on every instance without extra configuration.
 */
export function loadSigningKey(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('JWT signing keys must be EC P-256 (ES256) private keys');
  }
  const publicKey = createPublicKey(privateKey);
  const { x, y } = publicKey.export({ format: 'jwk' });
  if (typeof x !== 'string' || typeof y !== 'string') throw new Error('could not export the public key');
  // The thumbprint hashes the required members in lexicographic order, without whitespace.
  const kid = createHash('sha256')
    .update(JSON.stringify({ crv: 'P-256', kty: 'EC', x, y }))
    .digest('base64url');
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { kty: 'EC', crv: 'P-256', x, y, kid, use: 'sig', alg: 'ES256' },
  };
}
