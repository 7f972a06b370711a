import type { DomainError } from '@groundwork/platform';
import type { Principal } from './principal.js';

/**
 * What authentication learnt about a request. The authentication guard resolves it first and
 * never throws, so the rate limiter can count the caller (or the IP of a caller whose
 * credential is bad) before the access guard decides: 401, 403, 404 or through.
 */
export interface RequestAuth {
  principal?: Principal;
  /** Set when a credential was presented but is invalid (expired, revoked, malformed...). */
  failure?: DomainError;
}

interface WithAuth {
  auth?: RequestAuth;
}

export function requestAuth(request: object): RequestAuth {
  return (request as WithAuth).auth ?? {};
}

export function setRequestAuth(request: object, auth: RequestAuth): void {
  (request as WithAuth).auth = auth;
}

export function requestPrincipal(request: object): Principal | undefined {
  return requestAuth(request).principal;
}
