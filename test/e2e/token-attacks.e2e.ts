import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import jwt from 'jsonwebtoken';
import {
  AUDIENCE,
  type AuthEnvironment,
  b64url,
  expectUnauthenticated,
  hs256Token,
  loginBearer,
  newClientIp,
  newTestKey,
  PUBLIC_API_URL,
  registerVerified,
  startAuthEnvironment,
  type TestKey,
  untilUnauthenticated,
} from './auth-harness.js';

interface Claims {
  sub: string;
  sid: string;
}

/**
 * Attacks on the bearer access token, black-box against the built api. The api runs with two
 * keys the test holds (K1 signs, K2 only verifies: a rotation in progress), so the test can
 * forge tokens that differ from a valid one in exactly one respect; every forgery has a
 * control forged the same way with nothing wrong, which must be accepted.
 */
describe('access-token attacks (GET /v1/me)', () => {
  const k1 = newTestKey();
  const k2 = newTestKey();
  /** Not in JWT_SIGNING_KEYS. */
  const stranger = newTestKey();
  let env: AuthEnvironment;
  let victim: { email: string; id: string };
  let claims: Claims;
  let realToken: string;

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'tokens', keys: [k1, k2] });
    victim = await registerVerified(env, 'victim');
    const pair = await loginBearer(env, victim.email);
    realToken = pair.accessToken;
    claims = jwt.decode(realToken) as Claims;
  }, 90_000);

  afterAll(async () => {
    await env?.stop();
  });

  const me = (token: string, ip = newClientIp()) => env.request('GET', '/v1/me', { bearer: token, ip });

  function forge(
    key: TestKey,
    overrides: { kid?: string; issuer?: string; audience?: string; expiresIn?: number } = {},
    payload: Record<string, unknown> = {},
  ): string {
    return jwt.sign({ sid: claims.sid, ...payload }, key.privateKey, {
      algorithm: 'ES256',
      keyid: overrides.kid ?? key.kid,
      issuer: overrides.issuer ?? PUBLIC_API_URL,
      audience: overrides.audience ?? AUDIENCE,
      subject: claims.sub,
      expiresIn: overrides.expiresIn ?? 600,
    });
  }

  it('the real token and a control forged with K1 (all claims right) are accepted: the forgeries below differ only in the attack', async () => {
    const real = await me(realToken);
    expect(real.status).toBe(200);
    expect(real.json).toMatchObject({ id: victim.id, email: victim.email });

    const header = JSON.parse(Buffer.from(realToken.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
    expect(header).toMatchObject({ alg: 'ES256', kid: k1.kid });
    expect(jwt.decode(realToken)).toMatchObject({ iss: PUBLIC_API_URL, aud: AUDIENCE, sub: victim.id });

    expect((await me(forge(k1))).status).toBe(200);
  });

  it('alg "none" (unsigned, with and without a trailing dot, any case) → 401', async () => {
    const payload = jwt.decode(forge(k1)) as object;
    for (const alg of ['none', 'None', 'NONE']) {
      const unsigned = `${b64url({ alg, typ: 'JWT', kid: k1.kid })}.${b64url(payload)}`;
      for (const token of [`${unsigned}.`, unsigned]) expectUnauthenticated(await me(token));
    }
  });

  it('HS256 signed with the public key (PEM from the JWKS, and the PEM of the configured key) → 401', async () => {
    const payload = jwt.decode(forge(k1)) as object;
    const jwks = await env.request('GET', '/.well-known/jwks.json');
    const jwk = (jwks.json?.keys as { kid: string }[]).find((key) => key.kid === k1.kid);
    expect(jwk).toBeDefined();
    const fromJwks = createPublicKey({ key: jwk as never, format: 'jwk' })
      .export({ type: 'spki', format: 'pem' })
      .toString();
    expect(fromJwks).toBe(k1.publicPem);
    const secrets = [fromJwks, fromJwks.trim(), JSON.stringify(jwk)];
    for (const secret of secrets) {
      for (const header of [
        { alg: 'HS256', typ: 'JWT', kid: k1.kid },
        { alg: 'HS256', typ: 'JWT' },
      ]) {
        expectUnauthenticated(await me(hs256Token(header, payload, secret)));
      }
    }
  });

  it('an expired token signed with the real key → 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ sid: claims.sid, iat: now - 3600, exp: now - 1800 }, k1.privateKey, {
      algorithm: 'ES256',
      keyid: k1.kid,
      issuer: PUBLIC_API_URL,
      audience: AUDIENCE,
      subject: claims.sub,
    });
    expectUnauthenticated(await me(expired));
    // Expired a few seconds ago: no generous clock tolerance either.
    expectUnauthenticated(await me(forge(k1, { expiresIn: -30 })));
  });

  it('a wrong audience → 401', async () => {
    expectUnauthenticated(await me(forge(k1, { audience: 'another-api' })));
    expectUnauthenticated(
      await me(
        jwt.sign({ sid: claims.sid, aud: ['another-api'] }, k1.privateKey, {
          algorithm: 'ES256',
          keyid: k1.kid,
          issuer: PUBLIC_API_URL,
          subject: claims.sub,
          expiresIn: 600,
        }),
      ),
    );
  });

  it('a token without an audience → 401', async () => {
    const noAudience = jwt.sign({ sid: claims.sid }, k1.privateKey, {
      algorithm: 'ES256',
      keyid: k1.kid,
      issuer: PUBLIC_API_URL,
      subject: claims.sub,
      expiresIn: 600,
    });
    expectUnauthenticated(await me(noAudience));
  });

  it('a wrong issuer → 401', async () => {
    expectUnauthenticated(await me(forge(k1, { issuer: 'https://evil.example' })));
    expectUnauthenticated(await me(forge(k1, { issuer: `${PUBLIC_API_URL}/` })));
  });

  it('an unknown kid (a key not in JWT_SIGNING_KEYS), and a known kid on a signature by an unknown key → 401', async () => {
    expectUnauthenticated(await me(forge(stranger)));
    expectUnauthenticated(await me(forge(stranger, { kid: k1.kid })));
    // A kid that names no key in a way a naive lookup might trip over.
    for (const kid of ['__proto__', 'constructor', '', '../../etc/passwd']) {
      expectUnauthenticated(await me(forge(k1, { kid })));
    }
  });

  it.each<[string, () => Record<string, unknown>]>([
    ['no sid', () => ({ sid: undefined })],
    ['an unknown sid', () => ({ sid: '0190f0f0-0000-7000-8000-000000000000' })],
    ['a sid that is a number', () => ({ sid: 42 })],
    ['a sid that is not a UUID', () => ({ sid: 'not-a-uuid' })],
    ['a sub that is not a UUID (on a live sid)', () => ({ sub: 'not-a-uuid' })],
    ['a sub of a user that does not exist (on a live sid)', () => ({ sub: '0190f0f0-0000-7000-8000-000000000001' })],
  ])('a correctly signed token with %s → 401, never 500', async (_name, change) => {
    const { sub, ...rest } = { sub: claims.sub, sid: claims.sid, ...change() };
    const token = jwt.sign(JSON.parse(JSON.stringify(rest)) as object, k1.privateKey, {
      algorithm: 'ES256',
      keyid: k1.kid,
      issuer: PUBLIC_API_URL,
      audience: AUDIENCE,
      expiresIn: 600,
      ...(sub === undefined ? {} : { subject: String(sub) }),
    });
    expectUnauthenticated(await me(token));
  });

  it('a token that is not valid yet (nbf in the future) → 401', async () => {
    const notYet = jwt.sign({ sid: claims.sid }, k1.privateKey, {
      algorithm: 'ES256',
      keyid: k1.kid,
      issuer: PUBLIC_API_URL,
      audience: AUDIENCE,
      subject: claims.sub,
      expiresIn: 1200,
      notBefore: 600,
    });
    expectUnauthenticated(await me(notYet));
  });

  it("a correctly signed token pairing the victim's sub with another user's live sid → 401 (the session must be the subject's)", async () => {
    const other = await registerVerified(env, 'other');
    const otherSession = jwt.decode((await loginBearer(env, other.email)).accessToken) as Claims;
    const mixed = jwt.sign({ sid: otherSession.sid }, k1.privateKey, {
      algorithm: 'ES256',
      keyid: k1.kid,
      issuer: PUBLIC_API_URL,
      audience: AUDIENCE,
      subject: victim.id,
      expiresIn: 600,
    });
    expectUnauthenticated(await me(mixed));
  });

  it('the access token is taken from the Authorization header only: not from the query string, a cookie or a body', async () => {
    expectUnauthenticated(await env.request('GET', `/v1/me?access_token=${realToken}`));
    expectUnauthenticated(
      await env.request('GET', '/v1/me', { cookie: `access_token=${realToken}; gw_session=${realToken}` }),
    );
    expectUnauthenticated(await env.request('DELETE', '/v1/me', { body: { access_token: realToken } }));
    expect((await me(realToken)).status).toBe(200);
  });

  it('a refresh token is no access token: Bearer <refresh token> → 401', async () => {
    const pair = await loginBearer(env, victim.email);
    expectUnauthenticated(await me(pair.refreshToken));
  });

  it.each([
    ['Bearer x', 'Bearer x'],
    ['Bearer a.b.c', 'Bearer a.b.c'],
    ['Bearer with three empty parts', 'Bearer ..'],
    ['Bearer with a header that is not JSON', `Bearer ${b64url('not json')}.${b64url('{}')}.c2ln`],
    ['Bearer with a JSON null header', `Bearer ${b64url('null')}.${b64url('{}')}.c2ln`],
    ['a 5 KB bearer token', `Bearer ${'a'.repeat(5 * 1024)}`],
    ['a 5 KB JWT-shaped token', `Bearer ${b64url({ alg: 'ES256', kid: 'x'.repeat(3800) })}.${b64url('{}')}.c2ln`],
    ['Bearer and nothing', 'Bearer'],
    ['Bearer and spaces', 'Bearer    '],
    ['two tokens', 'Bearer a.b.c d.e.f'],
    ['Basic scheme', `Basic ${Buffer.from('victim:password').toString('base64')}`],
    ['Token scheme with a real token', 'Token REAL'],
    ['the real token without a scheme', 'REAL'],
    ['a malformed API key', 'Bearer gw_garbage'],
    ['an API key of the right shape that does not exist', `Bearer gw_${'0'.repeat(32)}_${'A'.repeat(43)}`],
  ])('a garbage Authorization header (%s) → 401, never 500', async (_name, header) => {
    const answer = await env.request('GET', '/v1/me', {
      headers: { authorization: header.replace('REAL', realToken) },
    });
    expectUnauthenticated(answer);
  });

  it('a valid token of a deleted user (DELETE /v1/me, then the same token) → 401 within 5 s', async () => {
    const user = await registerVerified(env, 'deleted');
    const { accessToken, refreshToken } = await loginBearer(env, user.email);
    expect((await me(accessToken)).status).toBe(200);

    const deleted = await env.request('DELETE', '/v1/me', { bearer: accessToken });
    expect(deleted.status).toBe(204);

    expectUnauthenticated(await untilUnauthenticated(() => me(accessToken)));
    expectUnauthenticated(
      await untilUnauthenticated(() => env.request('GET', '/v1/me/security-events', { bearer: accessToken })),
    );
    // A token freshly forged for the deleted account's session is refused as well.
    const replay = jwt.decode(accessToken) as Claims;
    const forged = jwt.sign({ sid: replay.sid }, k1.privateKey, {
      algorithm: 'ES256',
      keyid: k1.kid,
      issuer: PUBLIC_API_URL,
      audience: AUDIENCE,
      subject: replay.sub,
      expiresIn: 600,
    });
    expectUnauthenticated(await me(forged));
    // Nor can the deleted account's refresh token mint new tokens.
    expectUnauthenticated(await env.request('POST', '/v1/auth/refresh', { body: { refreshToken } }));
  });

  it('the token of a logged-out session (POST /v1/auth/logout, then reuse) → 401 within 5 s; its refresh token is dead', async () => {
    const user = await registerVerified(env, 'logout');
    const pair = await loginBearer(env, user.email);
    expect((await me(pair.accessToken)).status).toBe(200);

    const logout = await env.request('POST', '/v1/auth/logout', { bearer: pair.accessToken });
    expect(logout.status).toBe(204);

    expectUnauthenticated(await untilUnauthenticated(() => me(pair.accessToken)));
    expectUnauthenticated(await env.request('POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } }));
    // Logging out again with the dead token is a 401 too, not a 500.
    expectUnauthenticated(await env.request('POST', '/v1/auth/logout', { bearer: pair.accessToken }));
  });

  it('a refresh token replayed after rotation → 401, the whole family is revoked, and the trail records refresh_token.reused', async () => {
    const user = await registerVerified(env, 'reuse');
    const ip = newClientIp();
    const first = await loginBearer(env, user.email, undefined, ip);

    const rotated = await env.request('POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken }, ip });
    expect(rotated.status).toBe(200);
    const second = rotated.json as { accessToken: string; refreshToken: string };
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(second.accessToken)).status).toBe(200);

    // The attacker (or a leaked copy) replays the rotated token.
    expectUnauthenticated(
      await env.request('POST', '/v1/auth/refresh', { body: { refreshToken: first.refreshToken }, ip: newClientIp() }),
    );

    // The legitimate holder's newest pair dies with the family.
    expectUnauthenticated(
      await env.request('POST', '/v1/auth/refresh', { body: { refreshToken: second.refreshToken }, ip }),
    );
    expectUnauthenticated(await untilUnauthenticated(() => me(second.accessToken)));
    expectUnauthenticated(await untilUnauthenticated(() => me(first.accessToken)));

    const fresh = await loginBearer(env, user.email, undefined, ip);
    const events = await env.request('GET', '/v1/me/security-events?limit=100', { bearer: fresh.accessToken });
    expect(events.status).toBe(200);
    const actions = (events.json?.data as { action: string }[]).map((event) => event.action);
    expect(actions).toContain('refresh_token.reused');
    // The reuse is older than the fresh login.
    expect(actions.indexOf('login.succeeded')).toBeLessThan(actions.indexOf('refresh_token.reused'));
  });

  it('two concurrent refreshes with one token: at most one succeeds, the other is refused as reuse, never a 5xx', async () => {
    const user = await registerVerified(env, 'race');
    const pair = await loginBearer(env, user.email);

    const answers = await Promise.all(
      [0, 1].map(() => env.request('POST', '/v1/auth/refresh', { body: { refreshToken: pair.refreshToken } })),
    );

    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, 401]);
    // Reuse detection ends the family: the winner's new refresh token is dead too.
    const winner = answers.find((answer) => answer.status === 200)!;
    expectUnauthenticated(
      await env.request('POST', '/v1/auth/refresh', { body: { refreshToken: String(winner.json?.refreshToken) } }),
    );
  });

  it('a refresh token that never existed, and garbage refresh tokens → 401, never 500', async () => {
    for (const refreshToken of ['A'.repeat(43), 'x', '../../etc', '💥'.repeat(10)]) {
      const answer = await env.request('POST', '/v1/auth/refresh', { body: { refreshToken } });
      expect([401, 422]).toContain(answer.status);
      if (answer.status === 401) expectUnauthenticated(answer);
    }
  });

  it('key rotation: the JWKS lists both configured kids (public members only), K1 signs, and a token signed by K2 with its kid is accepted', async () => {
    const jwks = await env.request('GET', '/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    const keys = jwks.json?.keys as Record<string, unknown>[];
    expect(keys.map((key) => key.kid)).toEqual([k1.kid, k2.kid]);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }

    expect((jwt.decode(realToken, { complete: true })?.header as { kid?: string }).kid).toBe(k1.kid);
    const byK2 = await me(forge(k2));
    expect(byK2.status).toBe(200);
    expect(byK2.json).toMatchObject({ id: victim.id });
    // K2's signature under K1's kid does not verify.
    expectUnauthenticated(await me(forge(k2, { kid: k1.kid })));
  });

  // Production refusing to boot without JWT_SIGNING_KEYS is covered by test/e2e/configuration.e2e.ts
  // ("in production the api refuses to boot until every required variable is set").
});
