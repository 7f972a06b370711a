// @hey-api/openapi-ts configuration for the generated client (the generator is pinned exactly in
// package.json: its output changes between 0.x releases). scripts/api-client.js runs it, with `input`/`output.path` overridden by
// the drift check; `npx openapi-ts -f libs/api-client/openapi-ts.config.js` works as well.
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@hey-api/openapi-ts';

export const SPEC_PATH = fileURLToPath(new URL('../../openapi.json', import.meta.url));
export const GENERATED_PATH = fileURLToPath(new URL('./src/generated', import.meta.url));

/**
 * The generator settings, for any input spec and output folder.
 * @param {{ input?: string, output?: string }} [paths]
 * @returns {import('@hey-api/openapi-ts').UserConfig}
 */
export function clientConfig(paths = {}) {
  return {
    input: paths.input ?? SPEC_PATH,
    output: {
      path: paths.output ?? GENERATED_PATH,
      // nodenext resolution wants explicit extensions on relative imports.
      module: { extension: '.js' },
      // Do not look for a tsconfig: the output must not depend on where the generator runs.
      tsConfigPath: null,
      postProcess: [],
    },
    // No openapi-ts-error-*.log crash files dropped into the repository.
    logs: { level: 'warn', file: false },
    plugins: [
      '@hey-api/client-fetch',
      '@hey-api/typescript',
      // Functions named after each operationId (register, login, getMe, ...).
      '@hey-api/sdk',
    ],
  };
}

export default defineConfig(clientConfig());
