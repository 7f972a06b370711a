import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appsImport = {
  group: ['**/apps/*/src/**', '@groundwork/api', '@groundwork/worker'],
  message: 'Libraries never import an app: dependencies point inward.',
};

// The api enqueues nothing (it writes outbox events; the worker's relay enqueues), so neither it
// nor a context library it imports may load BullMQ: that is what keeps it out of the api's memory.
const queueImport = {
  group: ['@groundwork/platform/queue', 'bullmq', '@nestjs/bullmq'],
  message: "Queues are the worker's: the api and the context libraries never load BullMQ.",
};

// OpenAPI decorators describe HTTP, which only the api speaks; in a library they would load
// @nestjs/swagger (~5 MiB) into the worker too.
const swaggerImport = {
  group: ['@nestjs/swagger', '@nestjs/swagger/*'],
  message: 'Swagger decorators are HTTP: they live in apps/api, never in a library.',
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      'node_modules/**',
      'coverage/**',
      'libs/platform/src/database/generated/**',
      'libs/api-client/src/generated/**',
      'test/.artifacts/**',
      'var/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        WebAssembly: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // No consistent-type-imports: Nest's DI needs constructor parameter types as runtime values.
    },
  },
  // The dependency rule, checked in CI: apps → context libs → platform.
  {
    files: ['libs/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [appsImport, queueImport, swaggerImport] }] },
  },
  {
    files: ['libs/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            appsImport,
            swaggerImport,
            {
              group: ['@groundwork/*', '!@groundwork/platform', '!@groundwork/platform/queue'],
              message: 'The platform is the innermost layer: it imports no bounded context.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/api/src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [queueImport] }] },
  },
  // Inside the api: the contexts' HTTP folders build on the cross-cutting edge (http/), never
  // the other way round, so a context's routes can be added or removed without touching it.
  {
    files: ['apps/api/src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/identity/**',
                '**/workspaces/**',
                '**/work/**',
                '**/webhooks/**',
                '**/search/**',
                '**/realtime/**',
                '**/files/**',
                '**/flags/**',
                '**/ops/**',
              ],
              message: 'http/ is the edge every context uses: it imports no context folder of the api.',
            },
            queueImport,
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
