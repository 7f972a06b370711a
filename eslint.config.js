import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const appsImport = {
  group: ['**/apps/*/src/**', '@groundwork/api', '@groundwork/worker'],
  message: 'Libraries never import an app: dependencies point inward.',
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
    rules: { 'no-restricted-imports': ['error', { patterns: [appsImport] }] },
  },
  {
    files: ['libs/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            appsImport,
            {
              group: ['@groundwork/*', '!@groundwork/platform'],
              message: 'The platform is the innermost layer: it imports no bounded context.',
            },
          ],
        },
      ],
    },
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
                '**/realtime/**',
                '**/flags/**',
                '**/ops/**',
              ],
              message: 'http/ is the edge every context uses: it imports no context folder of the api.',
            },
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
