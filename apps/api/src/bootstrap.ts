import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { json, raw } from 'express';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { tracingStarted } from '@groundwork/platform/tracing';
import {
  accessLogMiddleware,
  answerClientError,
  bodyMediaTypeMiddleware,
  type AppConfig,
  createAccessLogger,
  forRequestsWithBody,
  HttpDrainService,
  httpMetricsMiddleware,
  jsonBodyShapeMiddleware,
  MetricsService,
  middlewareChain,
  requestContextMiddleware,
  serverSpanMiddleware,
  serverTimingMiddleware,
} from '@groundwork/platform';
import { ApiModule, type ApiModuleOptions } from './api.module.js';
import { STREAMED_BODY_ROUTES } from './files/streamed-body-routes.js';
import { committedOpenApiDocument } from './openapi.js';
import { configureRouting } from './http/routing.js';
import { staticSecurityHeaders } from './http/security-headers.js';

/** Response headers a browser client may read (CORS). */
const EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Location',
  'Link',
  'Retry-After',
  'RateLimit',
  'RateLimit-Policy',
  'Idempotent-Replayed',
  'Deprecation',
  'Sunset',
  'Content-Disposition',
  'Content-Range',
  'Accept-Ranges',
];

/** Express `trust proxy`: '' trusts nobody, a number counts hops, anything else is a list. */
function trustProxySetting(value: string): boolean | number | string {
  if (value.trim() === '') return false;
  return /^\d+$/.test(value.trim()) ? Number(value) : value;
}

/**
 * Builds the api with its whole HTTP edge, in the order of docs/request-lifecycle.md: request
 * context (id) → access log → drain tracking → metrics → security headers → CORS → body media type (415)
 * → body parsing (limited; depth and Unicode checked)
 * → Nest (guards, pipes, interceptors, controllers, the problem+json filter).
 * Express appears only here: the rest of the edge uses Nest's abstractions.
 */
export async function createApiApp(config: AppConfig, options: ApiModuleOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.register({ ...options, config }), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  // What Node's HTTP parser refuses gets a problem document too, not a bare 400.
  const server = app.getHttpServer() as Server;
  server.on('clientError', answerClientError);
  // Idle keep-alive connections outlive the proxy's idle timeout, so the proxy is the side that
  // closes them: a proxy that reuses a connection the api closed at that instant gets a reset.
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  app.set('trust proxy', trustProxySetting(config.http.trustProxy));
  app.disable('x-powered-by');
  // ETags come from resource versions (If-Match / If-None-Match), not from hashing every body.
  app.set('etag', false);
  // The edge in as few router layers as possible (each layer costs every request a path match
  // and a `next` round trip): the middlewares every request passes run as one chain.
  app.use(
    middlewareChain(
      requestContextMiddleware,
      // Only when exporting traces: without the SDK a request pays nothing for them.
      ...(tracingStarted() ? [serverSpanMiddleware] : []),
      accessLogMiddleware(createAccessLogger(config), config.http.slowRequestMs),
      ...(config.env === 'development' ? [serverTimingMiddleware] : []),
      app.get(HttpDrainService).trackRequests,
      httpMetricsMiddleware(app.get(MetricsService)),
      staticSecurityHeaders({
        contentSecurityPolicy: {
          directives: {
            // Swagger UI at /docs needs its own scripts and inline styles, nothing remote.
            'default-src': ["'self'"],
            'script-src': ["'self'"],
            'style-src': ["'self'", "'unsafe-inline'"],
            'img-src': ["'self'", 'data:'],
            'upgrade-insecure-requests': config.isProduction ? [] : null,
          },
        },
        strictTransportSecurity: config.isProduction,
      }),
    ),
  );
  // Without allowed origins the CORS middleware would only pass every request on: not installed.
  if (config.http.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.http.corsOrigins,
      credentials: true,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }
  // The body stage, skipped whole by requests without a body (most GETs).
  app.use(
    forRequestsWithBody(
      middlewareChain(
        bodyMediaTypeMiddleware(STREAMED_BODY_ROUTES),
        json({ limit: config.http.bodyLimit }),
        jsonBodyShapeMiddleware,
        raw({ type: 'application/x-protobuf', limit: config.http.bodyLimit }),
      ),
    ),
  );
  configureRouting(app);

  SwaggerModule.setup('docs', app, committedOpenApiDocument(config.http.publicApiUrl), {
    jsonDocumentUrl: 'docs/openapi.json',
    yamlDocumentUrl: 'docs/openapi.yaml',
  });
  return app;
}
