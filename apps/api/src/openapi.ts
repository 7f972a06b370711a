import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ProblemDetailsDto } from './http/problem-details.dto.js';
import { shippedFile } from './shipped-file.js';

/** `HealthController.live` → `healthLive` unless the route names its own operationId. */
function operationId(controllerKey: string, methodKey: string): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return `${resource.charAt(0).toLowerCase()}${resource.slice(1)}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Lists each operation's path parameters first, in the order its path names them, then the
 * others as declared. Swagger puts the parameters a handler's signature declares (`@Param`,
 * `@Query`) before those a decorator declares, which would put `workspaceId` (declared by
 * `@WorkspaceId()`) after a route's own ids and query.
 */
function pathParametersFirst(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    const rank = (parameter: object) =>
      'in' in parameter && parameter.in === 'path' && 'name' in parameter
        ? path.indexOf(`{${String(parameter.name)}}`)
        : Number.POSITIVE_INFINITY;
    for (const method of METHODS) {
      const operation = item[method];
      // Array#sort is stable: the other parameters keep their declared order.
      if (operation?.parameters) operation.parameters.sort((a, b) => rank(a) - rank(b));
    }
  }
}

/** The OpenAPI document of the api, generated from controllers and DTOs. */
export function buildOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Groundwork API')
    .setDescription(
      'Multi-tenant work management: workspaces, projects, tasks, comments, webhooks and real-time events. ' +
        'Errors are application/problem+json (RFC 9457). Any route may answer 503 `timeout` with `Retry-After` ' +
        'when it outruns its time budget.',
    )
    .setVersion('1.0.0')
    .addServer(serverUrl)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT or gw_ API key' })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationId,
    extraModels: [ProblemDetailsDto],
  });
  pathParametersFirst(document);
  return document;
}

/**
 * The document the api serves: the committed openapi.json (`npm run openapi` writes it from
 * the code above; a test fails when it differs from what the code generates) with this
 * instance's public URL as its server. Read rather than generated at every start, which
 * cost the api's start-up a quarter of a second (docs/runtime.md).
 */
export function committedOpenApiDocument(serverUrl: string): OpenAPIObject {
  const document = JSON.parse(readFileSync(shippedFile('openapi.json'), 'utf8')) as OpenAPIObject;
  return { ...document, servers: [{ url: serverUrl }] };
}
