import type { INestApplication } from '@nestjs/common';
import { ProblemDetailsDto } from './http/problem-details.dto.js';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** `HealthController.live` → `healthLive` unless the route names its own operationId. */
function operationId(controllerKey: string, methodKey: string): string {
  const resource = controllerKey.replace(/Controller$/, '');
  return `${resource.charAt(0).toLowerCase()}${resource.slice(1)}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
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
  return document;
}
