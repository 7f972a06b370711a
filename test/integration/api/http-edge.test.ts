import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, type INestApplication, Module, Param, Post, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import {
  type AppConfig,
  CursorCodec,
  cursorScope,
  DomainError,
  loadAppConfig,
  MetricsService,
  type Page,
  Paginated,
  toPage,
} from '@groundwork/platform';
import { PageQueryDto } from '../../../apps/api/src/http/page-query.dto.js';
import { Public } from '../../../apps/api/src/http/auth/access-rules.js';
import { createApiApp } from '../../../apps/api/src/bootstrap.js';
import { eventually } from '../../support/wait.js';

class OwnerDto {
  @IsEmail()
  email!: string;

  @IsString()
  @MinLength(1)
  name!: string;
}

class TagDto {
  @IsString()
  @MaxLength(20)
  label!: string;
}

class CreateWidgetDto {
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  // ValidateNested alone lets a missing object through: IsObject makes it required.
  @IsObject()
  @ValidateNested()
  @Type(() => OwnerDto)
  owner!: OwnerDto;

  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => TagDto)
  tags!: TagDto[];
}

class ListWidgetsQuery extends PageQueryDto {
  @IsOptional()
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';
}

interface WidgetView {
  id: string;
}

/** Five widgets numbered 1–5: enough for three pages of two. */
const WIDGETS = [1, 2, 3, 4, 5];

/** Routes that exercise each path of the edge: validation, domain, Prisma and unexpected errors, lists. */
// Test routes are public: this suite is about the HTTP edge, not about access control.
@Public()
@Controller({ path: 'edge-test', version: '1' })
class EdgeTestController {
  @Post('widgets')
  @HttpCode(201)
  create(@Body() body: CreateWidgetDto): { name: string; owner: string; tags: string[] } {
    return { name: body.name, owner: body.owner.email, tags: body.tags.map((tag) => tag.label) };
  }

  @Get('widgets')
  @Paginated()
  list(@Query() query: ListWidgetsQuery): Page<WidgetView> {
    const scope = cursorScope(['edge-test-widgets', query.status ?? null]);
    const after = query.cursor === undefined ? 0 : Number(CursorCodec.decode(scope, query.cursor)[0]);
    const rows = WIDGETS.filter((n) => n > after).slice(0, query.limit + 1);
    return toPage(
      rows,
      query.limit,
      scope,
      (n) => [n],
      (n) => ({ id: `widget-${n}` }),
    );
  }

  @Get('widgets/:widgetId')
  find(@Param('widgetId') widgetId: string): WidgetView {
    throw new DomainError('not_found', `Widget ${widgetId} does not exist.`);
  }

  @Get('conflict')
  conflict(): never {
    throw Object.assign(new Error('Unique constraint failed on the fields: (`email`) of "users"'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2002',
    });
  }

  @Get('crash')
  crash(): never {
    throw new Error('SELECT secret FROM users');
  }
}

@Module({ controllers: [EdgeTestController] })
class EdgeTestModule {}

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: { field: string; message: string }[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PROBLEM_BASE = 'https://groundwork.dev/problems/';

const VALID_WIDGET = {
  name: 'Sprocket',
  owner: { email: 'ada@example.com', name: 'Ada' },
  tags: [{ label: 'metal' }],
};

async function startApi(env: Record<string, string>): Promise<{ app: INestApplication; url: string }> {
  const config: AppConfig = loadAppConfig('api', { ...process.env, ...env });
  const app = await createApiApp(config, { imports: [EdgeTestModule] });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

/**
 * Asserts the RFC 9457 shape every error of the api has, with the request id of the
 * response header, and returns the body. `slug` null accepts any problem type of the api.
 */
async function expectProblem(
  res: Response,
  status: number,
  slug: string | null,
  instance: string,
): Promise<ProblemBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json\b/);
  const body = (await res.json()) as ProblemBody;
  expect(body).toEqual(
    expect.objectContaining({
      type:
        slug === null
          ? expect.stringMatching(/^https:\/\/groundwork\.dev\/problems\/[a-z-]+$/)
          : `${PROBLEM_BASE}${slug}`,
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance,
      requestId: res.headers.get('x-request-id'),
    }),
  );
  expect(body.title.length).toBeGreaterThan(0);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

describe('api HTTP edge', () => {
  let api: { app: INestApplication; url: string };
  let corsApi: { app: INestApplication; url: string };

  beforeAll(async () => {
    api = await startApi({ BODY_LIMIT: '2kb' });
    corsApi = await startApi({ CORS_ORIGINS: 'http://allowed.test' });
  });

  afterAll(async () => {
    // Each close waits the drain delay of the configuration (docs/operations.md): in parallel.
    await Promise.all([api?.app.close(), corsApi?.app.close()]);
  });

  function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${api.url}${path}`, { headers });
  }

  function postJson(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });
  }

  describe('problem+json errors', () => {
    it('answers a DomainError not_found with a 404 problem carrying its message', async () => {
      const res = await get('/v1/edge-test/widgets/w-42');

      const problem = await expectProblem(res, 404, 'not-found', '/v1/edge-test/widgets/w-42');
      expect(problem).toMatchObject({ title: 'Not Found', detail: 'Widget w-42 does not exist.' });
    });

    it('answers a Prisma unique violation (P2002) with a 409 problem that hides the Prisma message', async () => {
      const res = await get('/v1/edge-test/conflict');

      const problem = await expectProblem(res, 409, 'conflict', '/v1/edge-test/conflict');
      expect(problem.title).toBe('Conflict');
      expect(JSON.stringify(problem)).not.toMatch(/Unique constraint|email|users/);
    });

    it('answers an unexpected error with a 500 problem that holds neither its message nor a stack', async () => {
      const res = await get('/v1/edge-test/crash');

      const text = await res.clone().text();
      const problem = await expectProblem(res, 500, 'internal-error', '/v1/edge-test/crash');
      expect(problem.title).toBe('Internal Server Error');
      expect(text).not.toMatch(/SELECT|secret|users/i);
      expect(text).not.toMatch(/\bat .+:\d+:\d+|\.ts\b|\.js\b|stack/);
    });

    it('answers an unknown route with a 404 problem', async () => {
      const res = await get('/v1/no-such-resource/123?x=1');

      await expectProblem(res, 404, 'not-found', '/v1/no-such-resource/123');
    });

    it('answers malformed JSON with a 400 problem', async () => {
      const res = await postJson('/v1/edge-test/widgets', '{"name": "Sprocket", ');

      const problem = await expectProblem(res, 400, 'malformed-body', '/v1/edge-test/widgets');
      expect(problem.title).toBe('Bad Request');
      expect(problem.detail).toBe('The request body is not valid JSON.');
    });

    it('answers a body over BODY_LIMIT with a 413 problem', async () => {
      const body = JSON.stringify({ ...VALID_WIDGET, name: 'x'.repeat(4096) });

      const res = await postJson('/v1/edge-test/widgets', body);

      await expectProblem(res, 413, 'payload-too-large', '/v1/edge-test/widgets');
    });

    it('answers a malformed cursor with a 400 problem', async () => {
      const res = await get('/v1/edge-test/widgets?cursor=not-a-cursor');

      await expectProblem(res, 400, 'invalid-cursor', '/v1/edge-test/widgets');
    });
  });

  describe('validation', () => {
    it('accepts a valid body', async () => {
      const res = await postJson('/v1/edge-test/widgets', JSON.stringify(VALID_WIDGET));

      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ name: 'Sprocket', owner: 'ada@example.com', tags: ['metal'] });
    });

    it('answers invalid fields with a 422 problem naming each field by its path', async () => {
      const body = {
        name: '',
        owner: { email: 'not-an-email', name: 'Ada' },
        tags: [{ label: 'ok' }, 'loose', { label: 7 }],
      };

      const res = await postJson('/v1/edge-test/widgets', JSON.stringify(body));

      const problem = await expectProblem(res, 422, 'validation-failed', '/v1/edge-test/widgets');
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          { field: 'name', message: expect.any(String) },
          { field: 'owner.email', message: 'email must be an email' },
          { field: 'tags[1]', message: expect.any(String) },
          { field: 'tags[2].label', message: 'label must be a string' },
        ]),
      );
      expect(new Set(problem.errors?.map((e) => e.field))).toEqual(
        new Set(['name', 'owner.email', 'tags[1]', 'tags[2].label']),
      );
    });

    it('answers a missing nested object with a 422 problem', async () => {
      const { owner: _owner, ...withoutOwner } = VALID_WIDGET;

      const res = await postJson('/v1/edge-test/widgets', JSON.stringify(withoutOwner));

      const problem = await expectProblem(res, 422, 'validation-failed', '/v1/edge-test/widgets');
      expect(problem.errors?.map((e) => e.field)).toContain('owner');
    });

    it('refuses unknown fields, top-level and nested, with a 422 problem (no mass assignment)', async () => {
      const body = { ...VALID_WIDGET, isAdmin: true, owner: { ...VALID_WIDGET.owner, role: 'owner' } };

      const res = await postJson('/v1/edge-test/widgets', JSON.stringify(body));

      const problem = await expectProblem(res, 422, 'validation-failed', '/v1/edge-test/widgets');
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          { field: 'isAdmin', message: 'property isAdmin should not exist' },
          { field: 'owner.role', message: 'property role should not exist' },
        ]),
      );
    });

    it('refuses an unknown query parameter with a 422 problem', async () => {
      const res = await get('/v1/edge-test/widgets?color=red');

      const problem = await expectProblem(res, 422, 'validation-failed', '/v1/edge-test/widgets');
      expect(problem.errors).toEqual([{ field: 'color', message: 'property color should not exist' }]);
    });
  });

  describe('request ids', () => {
    it('echoes a valid X-Request-Id', async () => {
      const res = await get('/health/live', { 'x-request-id': 'edge-test-req-1' });

      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('edge-test-req-1');
    });

    it('generates a UUID v7 when the request has no X-Request-Id', async () => {
      const res = await get('/health/live');

      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });

    it.each([
      ['200 characters long', 'a'.repeat(200)],
      ['holding a space', 'edge test'],
      ['holding a quote', 'edge"test'],
    ])('replaces an X-Request-Id %s with a generated UUID v7', async (_what, id) => {
      const res = await get('/health/live', { 'x-request-id': id });

      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });

    it('puts the echoed request id in the problem body', async () => {
      const res = await get('/v1/edge-test/crash', { 'x-request-id': 'edge-test-req-2' });

      const problem = await expectProblem(res, 500, 'internal-error', '/v1/edge-test/crash');
      expect(problem.requestId).toBe('edge-test-req-2');
    });

    it('puts the request id in the problem body of an error raised while parsing the body', async () => {
      const res = await postJson('/v1/edge-test/widgets', '{', { 'x-request-id': 'edge-test-req-3' });

      const problem = await expectProblem(res, 400, null, '/v1/edge-test/widgets');
      expect(problem.requestId).toBe('edge-test-req-3');
    });
  });

  describe('security headers', () => {
    it.each([
      ['a successful response', '/health/live', 200],
      ['a problem response', '/v1/no-such-resource', 404],
    ])('sets nosniff and a self-only Content-Security-Policy on %s', async (_what, path, status) => {
      const res = await get(path);

      expect(res.status).toBe(status);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    });

    it('does not announce the framework', async () => {
      const res = await get('/health/live');

      expect(res.headers.get('x-powered-by')).toBeNull();
    });
  });

  describe('OpenAPI', () => {
    it('serves Swagger UI at /docs as HTML whose scripts the CSP allows (no inline script)', async () => {
      const res = await get('/docs');

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toMatch(/swagger-ui/i);
      const scripts = html.match(/<script\b[^>]*>/g) ?? [];
      expect(scripts.length).toBeGreaterThan(0);
      for (const script of scripts) expect(script).toMatch(/\bsrc=/);
    });

    it('serves the committed OpenAPI 3 document at /docs/openapi.json, with its own public URL as the server', async () => {
      const res = await get('/docs/openapi.json');

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const document = (await res.json()) as { openapi: string; paths: object; servers: { url: string }[] };
      const committed = JSON.parse(readFileSync('openapi.json', 'utf8')) as { openapi: string; paths: object };
      expect(document.openapi).toBe(committed.openapi);
      expect(document.paths).toEqual(committed.paths);
      expect(document.servers).toEqual([{ url: loadAppConfig('api').http.publicApiUrl }]);
    });
  });

  describe('metrics', () => {
    it('labels request durations with the route template, never with the raw path', async () => {
      const widgetId = '0190f0e1-5c2a-7b3e-9f00-123456789abc';
      const unknownId = '0190f0e1-5c2a-7b3e-9f00-00000000dead';
      expect((await get(`/v1/edge-test/widgets/${widgetId}`)).status).toBe(404);
      expect((await get(`/v1/no-such-resource/${unknownId}`)).status).toBe(404);

      const metrics = await eventually(async () => {
        const text = await api.app.get(MetricsService).render();
        return text.includes('route="/v1/edge-test/widgets/:widgetId"') && text;
      });
      // Not on the public port.
      expect((await get('/metrics')).status).toBe(404);

      expect(metrics).toMatch(
        /^http_request_duration_seconds_count\{[^}]*method="GET",route="\/v1\/edge-test\/widgets\/:widgetId",status_code="404"\} [1-9]\d*$/m,
      );
      expect(metrics).not.toContain(widgetId);
      expect(metrics).not.toContain(unknownId);
    });
  });

  describe('pagination links', () => {
    it('sets Link rel="next" on the public base URL, keeping the filters and replacing the cursor', async () => {
      const res = await get('/v1/edge-test/widgets?limit=2&status=open');

      expect(res.status).toBe(200);
      const body = (await res.json()) as Page<WidgetView>;
      expect(body.data).toEqual([{ id: 'widget-1' }, { id: 'widget-2' }]);
      const link = /^<([^>]+)>; rel="next"$/.exec(res.headers.get('link') ?? '')?.[1];
      expect(link).toBeDefined();
      const next = new URL(link ?? '');
      const publicApiUrl = new URL(loadAppConfig('api').http.publicApiUrl);
      expect(next.origin).toBe(publicApiUrl.origin);
      expect(next.pathname).toBe('/v1/edge-test/widgets');
      expect(next.searchParams.get('limit')).toBe('2');
      expect(next.searchParams.get('status')).toBe('open');
      expect(next.searchParams.get('cursor')).toBe(body.page.nextCursor);
    });

    it('follows the links through every page, with no Link on the last one', async () => {
      const seen: string[] = [];
      let path: string | undefined = '/v1/edge-test/widgets?limit=2&status=open';
      let lastLink: string | null = null;
      while (path !== undefined) {
        const res = await get(path);
        const body = (await res.json()) as Page<WidgetView>;
        seen.push(...body.data.map((w) => w.id));
        lastLink = res.headers.get('link');
        const target = /^<([^>]+)>; rel="next"$/.exec(lastLink ?? '')?.[1];
        path = target === undefined ? undefined : `${new URL(target).pathname}${new URL(target).search}`;
      }

      expect(seen).toEqual(['widget-1', 'widget-2', 'widget-3', 'widget-4', 'widget-5']);
      expect(lastLink).toBeNull();
    });

    it('refuses a cursor issued for other filters with a 400 problem', async () => {
      const first = (await (await get('/v1/edge-test/widgets?limit=2&status=open')).json()) as Page<WidgetView>;

      const res = await get(`/v1/edge-test/widgets?limit=2&status=closed&cursor=${first.page.nextCursor ?? ''}`);

      await expectProblem(res, 400, 'invalid-cursor', '/v1/edge-test/widgets');
    });
  });

  describe('CORS', () => {
    function corsGet(origin: string): Promise<Response> {
      return fetch(`${corsApi.url}/health/live`, { headers: { origin } });
    }

    it('allows an origin listed in CORS_ORIGINS, with credentials and the exposed headers', async () => {
      const res = await corsGet('http://allowed.test');

      expect(res.headers.get('access-control-allow-origin')).toBe('http://allowed.test');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    });

    it('answers the preflight of an allowed origin', async () => {
      const res = await fetch(`${corsApi.url}/v1/edge-test/widgets`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://allowed.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });

      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe('http://allowed.test');
      expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    });

    it('gives another origin no access-control-allow-origin', async () => {
      const res = await corsGet('http://evil.test');

      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('allows no origin at all when CORS_ORIGINS is empty', async () => {
      const res = await get('/health/live', { origin: 'http://allowed.test' });

      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
