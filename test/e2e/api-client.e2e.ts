import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Client,
  createApiKey,
  createGroundworkClient,
  createWorkspace,
  getLiveness,
  getMe,
  getWorkspace,
  isProblemDetails,
  listWorkspaces,
  login,
  type MeDto,
  register,
  type TokenPairDto,
  type WorkspaceDto,
} from '@groundwork/api-client';
import { type AuthEnvironment, newClientIp, newEmail, PASSWORD, startAuthEnvironment } from './auth-harness.js';

/**
 * The generated client against the built api: every call goes through the SDK functions of
 * @groundwork/api-client (generated from the committed openapi.json), so a spec that lies about
 * a path, a body, a header or a status fails here, not in a consumer's code.
 */
describe('the generated api client (built api, real PostgreSQL and Redis)', () => {
  let env: AuthEnvironment;
  /** Authorization headers the authenticated client sent, by request path. */
  const sentAuthorization: Array<{ path: string; authorization: string | null }> = [];
  let anonymous: Client;
  let authed: Client;
  let me: MeDto;
  let tokens: TokenPairDto;
  let workspace: WorkspaceDto;
  const email = newEmail('client');

  /** Every client speaks from an address of its own: the per-IP auth limits stay out of the way. */
  const clientOptions = () => ({ baseUrl: env.api.url, headers: { 'x-forwarded-for': newClientIp() } });

  beforeAll(async () => {
    env = await startAuthEnvironment({ label: 'client' });
    anonymous = createGroundworkClient(clientOptions());
  });

  afterAll(async () => {
    await env?.stop();
  });

  it('registers an account (201, typed body)', async () => {
    const { data, error, response } = await register({
      client: anonymous,
      body: { email, password: PASSWORD, name: 'Grace Hopper' },
    });
    expect(error).toBeUndefined();
    expect(response?.status).toBe(201);
    expect(data?.status).toBe('pending_verification');
    // The verification mail is another suite's concern: mark the address verified directly.
    const updated = await env.db.query('UPDATE users SET email_verified_at = now() WHERE email = $1', [email]);
    expect(updated.rowCount).toBe(1);
  });

  it('logs in and gets a token pair', async () => {
    const { data, response } = await login({ client: anonymous, body: { email, password: PASSWORD } });
    expect(response?.status).toBe(200);
    if (!data || !('accessToken' in data)) throw new Error(`no token pair: ${JSON.stringify(data)}`);
    tokens = data;
    expect(tokens).toEqual({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
      tokenType: 'Bearer',
    });

    const recordingFetch: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      sentAuthorization.push({
        path: new URL(request.url).pathname,
        authorization: request.headers.get('authorization'),
      });
      return fetch(request);
    };
    authed = createGroundworkClient({ ...clientOptions(), token: tokens.accessToken, fetch: recordingFetch });
  });

  it('reads the account through getMe, with typed fields', async () => {
    const { data, error, response } = await getMe({ client: authed });
    expect(error).toBeUndefined();
    expect(response?.status).toBe(200);
    if (!data) throw new Error('getMe answered no body');
    me = data;
    expect(me).toEqual({
      id: expect.any(String),
      email,
      name: 'Grace Hopper',
      emailVerified: true,
      createdAt: expect.any(String),
    });
    expect(Number.isNaN(Date.parse(me.createdAt))).toBe(false);
  });

  it('sends the bearer token only on operations the spec secures', async () => {
    sentAuthorization.length = 0;
    const live = await getLiveness({ client: authed });
    expect(live.data?.status).toBe('ok');
    await getMe({ client: authed });
    expect(sentAuthorization).toEqual([
      { path: '/health/live', authorization: null },
      { path: '/v1/me', authorization: `Bearer ${tokens.accessToken}` },
    ]);
  });

  it('creates a workspace with an Idempotency-Key, and a retry replays the same one', async () => {
    const idempotencyKey = randomUUID();
    const slug = `client-${randomUUID().slice(0, 8)}`;
    const body = { name: 'Client Works', slug };
    const created = await createWorkspace({ client: authed, body, headers: { 'Idempotency-Key': idempotencyKey } });
    expect(created.error).toBeUndefined();
    expect(created.response?.status).toBe(201);
    if (!created.data) throw new Error('createWorkspace answered no body');
    workspace = created.data;
    expect(workspace).toMatchObject({ name: 'Client Works', slug, role: 'owner' });
    expect(created.response?.headers.get('location')).toContain(workspace.id);

    const retried = await createWorkspace({ client: authed, body, headers: { 'Idempotency-Key': idempotencyKey } });
    expect(retried.response?.status).toBe(201);
    expect(retried.response?.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.data?.id).toBe(workspace.id);
  });

  it('lists workspaces in the page envelope', async () => {
    const { data, response } = await listWorkspaces({ client: authed, query: { limit: 10 } });
    expect(response?.status).toBe(200);
    if (!data) throw new Error('listWorkspaces answered no body');
    expect(data.page).toEqual({ nextCursor: null, limit: 10 });
    expect(data.data.map((item) => item.id)).toEqual([workspace.id]);
  });

  it('authenticates with an API key through the apiKey option', async () => {
    const created = await createApiKey({
      client: authed,
      path: { workspaceId: workspace.id },
      body: { name: 'client e2e', role: 'viewer' },
      headers: { 'Idempotency-Key': randomUUID() },
    });
    expect(created.response?.status).toBe(201);
    if (!created.data) throw new Error('createApiKey answered no body');
    const byKey = createGroundworkClient({ ...clientOptions(), apiKey: created.data.secret });
    const { data, response } = await getWorkspace({ client: byKey, path: { workspaceId: workspace.id } });
    expect(response?.status).toBe(200);
    expect(data?.id).toBe(workspace.id);
  });

  it('surfaces a 404 as a typed problem document', async () => {
    const { data, error, response } = await getWorkspace({ client: authed, path: { workspaceId: randomUUID() } });
    expect(data).toBeUndefined();
    expect(response?.status).toBe(404);
    expect(response?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(isProblemDetails(error)).toBe(true);
    // `error` is typed from the spec (ProblemDetailsDto): status and type need no cast.
    expect({ status: error?.status, type: typeof error?.type, title: typeof error?.title }).toEqual({
      status: 404,
      type: 'string',
      title: 'string',
    });
  });

  it('surfaces a 401 as a typed problem document, without and with a bad token', async () => {
    const withoutToken = await getMe({ client: anonymous });
    expect(withoutToken.response?.status).toBe(401);
    expect(withoutToken.error).toMatchObject({ status: 401, type: expect.any(String) });

    const badToken = createGroundworkClient({ ...clientOptions(), token: () => 'not-a-jwt' });
    const withBadToken = await getMe({ client: badToken });
    expect(withBadToken.response?.status).toBe(401);
    expect(withBadToken.response?.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    expect(isProblemDetails(withBadToken.error)).toBe(true);
    expect(withBadToken.error?.status).toBe(401);
  });

  it('rejects a body that breaks the spec with a typed 422 listing the fields', async () => {
    const { error, response } = await register({
      client: anonymous,
      body: { email: 'not an email', password: PASSWORD, name: 'X' },
    });
    expect(response?.status).toBe(422);
    expect(error?.status).toBe(422);
    expect(error?.errors?.map((field) => field.field)).toContain('email');
  });
});
