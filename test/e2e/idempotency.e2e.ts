import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Answer,
  type AuthEnvironment,
  expectProblem,
  loginBearer,
  newEmail,
  registerVerified,
  type RequestOptions,
  startAuthEnvironment,
} from './auth-harness.js';

/**
 * `Idempotency-Key` on creates (docs/http-api.md, conventions) against the built api on a database of its
 * own: replays, mismatches, in-flight races, per-caller scope, sealed secrets.
 */
describe('Idempotency-Key on creates (api, PostgreSQL)', () => {
  let env: AuthEnvironment;
  let owner: { id: string; token: string };

  const signIn = async (label: string): Promise<{ id: string; token: string }> => {
    const account = await registerVerified(env, label);
    return { id: account.id, token: (await loginBearer(env, account.email)).accessToken };
  };
  const post = (path: string, token: string, body: unknown, key?: string, opts: RequestOptions = {}): Promise<Answer> =>
    env.request('POST', path, {
      ...opts,
      bearer: token,
      body,
      headers: { ...(key === undefined ? {} : { 'idempotency-key': key }), ...opts.headers },
    });
  const newSlug = (): string => `ws-${randomBytes(5).toString('hex')}`;
  const workspacesWithSlug = async (slug: string): Promise<number> =>
    Number(
      (await env.db.query<{ n: string }>('SELECT count(*) AS n FROM workspaces WHERE slug = $1', [slug])).rows[0]?.n,
    );

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'idempotency' });
    owner = await signIn('owner');
  }, 60_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('replays the first answer (status, body, Location) with Idempotent-Replayed: true, and creates once', async () => {
    const key = randomUUID();
    const body = { name: 'Acme', slug: newSlug() };

    const first = await post('/v1/workspaces', owner.token, body, key);
    const second = await post('/v1/workspaces', owner.token, body, key);

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect({ status: second.status, body: second.json, location: second.headers.get('location') }).toEqual({
      status: 201,
      body: first.json,
      location: first.headers.get('location'),
    });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.contentType).toMatch(/^application\/json/);
    expect(await workspacesWithSlug(body.slug)).toBe(1);
  });

  it('answers 422 when the key is reused with a different body, and creates nothing more', async () => {
    const key = randomUUID();
    const body = { name: 'Acme', slug: newSlug() };
    expect((await post('/v1/workspaces', owner.token, body, key)).status).toBe(201);

    const otherSlug = newSlug();
    const other = await post('/v1/workspaces', owner.token, { name: 'Acme', slug: otherSlug }, key);

    expectProblem(other, 422);
    expect(other.json?.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    expect(await workspacesWithSlug(otherSlug)).toBe(0);
  });

  it('of 10 concurrent requests with one key, creates once: one 201, the rest 409 or replays', async () => {
    const key = randomUUID();
    const body = { name: 'Race', slug: newSlug() };

    const answers = await Promise.all(Array.from({ length: 10 }, () => post('/v1/workspaces', owner.token, body, key)));

    const originals = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === null);
    const replays = answers.filter((a) => a.status === 201 && a.headers.get('idempotent-replayed') === 'true');
    const inFlight = answers.filter((a) => a.status === 409);
    expect(originals).toHaveLength(1);
    expect(replays.length + inFlight.length).toBe(9);
    for (const replay of replays) expect(replay.json).toEqual(originals[0]?.json);
    for (const conflict of inFlight) expectProblem(conflict, 409);
    expect(await workspacesWithSlug(body.slug)).toBe(1);

    const after = await post('/v1/workspaces', owner.token, body, key);
    expect({ status: after.status, replayed: after.headers.get('idempotent-replayed'), body: after.json }).toEqual({
      status: 201,
      replayed: 'true',
      body: originals[0]?.json,
    });
  });

  it('scopes keys per caller: the same key from two people creates two workspaces', async () => {
    const other = await signIn('other');
    const key = `shared-${randomBytes(4).toString('hex')}`;
    const mine = { name: 'Mine', slug: newSlug() };
    const theirs = { name: 'Theirs', slug: newSlug() };

    const a = await post('/v1/workspaces', owner.token, mine, key);
    const b = await post('/v1/workspaces', other.token, theirs, key);

    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.json?.id).not.toBe(a.json?.id);
    expect([await workspacesWithSlug(mine.slug), await workspacesWithSlug(theirs.slug)]).toEqual([1, 1]);

    // Even with the very same key and body, another person never receives the first one's
    // reply: their request runs (and meets the taken slug).
    const key2 = randomUUID();
    const body2 = { name: 'Same', slug: newSlug() };
    expect((await post('/v1/workspaces', owner.token, body2, key2)).status).toBe(201);
    const copy = await post('/v1/workspaces', other.token, body2, key2);
    expectProblem(copy, 409);
    expect(copy.headers.get('idempotent-replayed')).toBeNull();
  });

  it('replays an API key creation with the same secret, which is not stored in clear', async () => {
    const slug = newSlug();
    const workspace = await post('/v1/workspaces', owner.token, { name: 'Keys', slug });
    expect(workspace.status).toBe(201);
    const path = `/v1/workspaces/${String(workspace.json?.id)}/api-keys`;
    const key = randomUUID();
    const body = { name: 'CI deploy bot', role: 'member' };

    const first = await post(path, owner.token, body, key);
    const second = await post(path, owner.token, body, key);

    expect(first.status).toBe(201);
    const secret = String(first.json?.secret);
    expect(secret).toMatch(/^gw_/);
    expect({ status: second.status, body: second.json, replayed: second.headers.get('idempotent-replayed') }).toEqual({
      status: 201,
      body: first.json,
      replayed: 'true',
    });
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.headers.get('location')).toBe(first.headers.get('location'));

    const keys = await env.db.query('SELECT id FROM api_keys WHERE workspace_id = $1', [workspace.json?.id]);
    expect(keys.rowCount).toBe(1);
    const stored = await env.db.query<{ row: string; body_sealed: boolean }>(
      `SELECT row_to_json(k)::text AS row, body_sealed FROM idempotency_keys k WHERE key = $1`,
      [key],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]?.body_sealed).toBe(true);
    const everything = await env.db.query<{ dump: string }>(
      "SELECT coalesce(string_agg(row_to_json(k)::text, E'\\n'), '') AS dump FROM idempotency_keys k",
    );
    // `gw_<id>_<secret>`: the secret is base64url, so it may itself contain `_`.
    const secretPart = secret.split('_').slice(2).join('_');
    expect(secretPart).toHaveLength(43);
    expect(everything.rows[0]?.dump).not.toContain(secretPart);
  });

  it('replays an invitation creation with the same invitation', async () => {
    const workspace = await post('/v1/workspaces', owner.token, { name: 'Invites', slug: newSlug() });
    const path = `/v1/workspaces/${String(workspace.json?.id)}/invitations`;
    const key = randomUUID();
    const body = { email: newEmail('invitee'), role: 'member' };

    const first = await post(path, owner.token, body, key);
    const second = await post(path, owner.token, body, key);

    expect(first.status).toBe(201);
    expect({ status: second.status, id: second.json?.id, replayed: second.headers.get('idempotent-replayed') }).toEqual(
      {
        status: 201,
        id: first.json?.id,
        replayed: 'true',
      },
    );
    const invitations = await env.db.query('SELECT id FROM invitations WHERE workspace_id = $1', [workspace.json?.id]);
    expect(invitations.rowCount).toBe(1);
  });

  it('behaves as usual without the header: each request creates, nothing is stored', async () => {
    const body = { name: 'Plain', slug: newSlug() };
    const before = await env.db.query('SELECT 1 FROM idempotency_keys');

    const first = await post('/v1/workspaces', owner.token, body);
    const again = await post('/v1/workspaces', owner.token, body);

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expectProblem(again, 409); // the slug is taken: the create ran again
    expect((await env.db.query('SELECT 1 FROM idempotency_keys')).rowCount).toBe(before.rowCount);
  });

  it('refuses a key longer than 255 characters (422 naming the header) and accepts one of 255', async () => {
    const tooLong = await post('/v1/workspaces', owner.token, { name: 'Long', slug: newSlug() }, 'k'.repeat(256));
    expectProblem(tooLong, 422);
    expect(tooLong.json?.errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);

    const longest = await post('/v1/workspaces', owner.token, { name: 'Long', slug: newSlug() }, 'k'.repeat(255));
    expect(longest.status).toBe(201);
  });

  it('claims no key for a body that fails validation, and a failed create releases its key', async () => {
    const key = randomUUID();
    const invalid = await post('/v1/workspaces', owner.token, { name: 'Bad', slug: 'Not A Slug' }, key);
    expectProblem(invalid, 422);
    expect((await env.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);

    const taken = newSlug();
    expect((await post('/v1/workspaces', owner.token, { name: 'First', slug: taken })).status).toBe(201);
    const conflict = await post('/v1/workspaces', owner.token, { name: 'Second', slug: taken }, key);
    expectProblem(conflict, 409);
    expect((await env.db.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);

    // The key is free again: the corrected request with the same key goes through.
    const fixed = await post('/v1/workspaces', owner.token, { name: 'Second', slug: newSlug() }, key);
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
  });
});
