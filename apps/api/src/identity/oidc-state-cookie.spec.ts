import { describe, expect, it } from '@jest/globals';
import { OidcStateCookie } from './oidc-state-cookie.js';

describe('OidcStateCookie', () => {
  const development = new OidcStateCookie({ isProduction: false });
  const production = new OidcStateCookie({ isProduction: true });

  it('is httpOnly, SameSite=Lax, lives as long as a pending login and is only sent to its callback', () => {
    expect(development.set('google', 'abc')).toBe(
      'gw_oidc_state=abc; Max-Age=600; Path=/v1/auth/oidc/google/callback; HttpOnly; SameSite=Lax',
    );
  });

  it('is Secure and __Secure- prefixed in production', () => {
    expect(production.set('google', 'abc')).toBe(
      '__Secure-gw_oidc_state=abc; Max-Age=600; Path=/v1/auth/oidc/google/callback; HttpOnly; Secure; SameSite=Lax',
    );
  });

  it('is cleared on the same path, so the browser drops that very cookie', () => {
    expect(development.clear('google')).toBe(
      'gw_oidc_state=; Max-Age=0; Path=/v1/auth/oidc/google/callback; HttpOnly; SameSite=Lax',
    );
  });

  it('reads its own cookie among others, and nothing from a missing or foreign header', () => {
    expect(development.read('gw_session=s; gw_oidc_state=xyz; other=1')).toBe('xyz');
    expect(development.read(undefined)).toBeUndefined();
    expect(development.read('gw_session=s')).toBeUndefined();
    expect(production.read('gw_oidc_state=xyz')).toBeUndefined();
  });
});
