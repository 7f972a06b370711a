// Jest runs the ES modules of the code base natively (node --experimental-vm-modules), with
// SWC compiling TypeScript and keeping decorator metadata for Nest's DI. See docs/architecture.md.
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: true },
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

const common = {
  rootDir: '.',
  transform: { '^.+\\.ts$': swc },
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^@groundwork/platform/queue$': '<rootDir>/libs/platform/src/queue/index.ts',
    '^@groundwork/platform/tracing$': '<rootDir>/libs/platform/src/observability/tracing.ts',
    '^@groundwork/files/s3$': '<rootDir>/libs/files/src/s3.ts',
    '^@groundwork/(.*)$': '<rootDir>/libs/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/libs/.*/dist/'],
};

/** @type {import('jest').Config} */
export default {
  transform: common.transform,
  extensionsToTreatAsEsm: common.extensionsToTreatAsEsm,
  moduleNameMapper: common.moduleNameMapper,
  globalSetup: '<rootDir>/test/support/global-setup.js',
  globalTeardown: '<rootDir>/test/support/global-teardown.js',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/*/src/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      slowTestThreshold: 30,
    },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.e2e.ts'], slowTestThreshold: 60 },
  ],
  testTimeout: 60_000,
};
