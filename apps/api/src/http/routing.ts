import { type INestApplication, VersioningType } from '@nestjs/common';

/**
 * URI versioning: controllers declare `version: '1'` (or '2') and answer under `/v1/...`;
 * operational routes are VERSION_NEUTRAL. Shared by the running app and the spec generator,
 * so the committed OpenAPI document has exactly the served paths.
 */
export function configureRouting(app: INestApplication): void {
  app.enableVersioning({ type: VersioningType.URI, prefix: 'v' });
}
