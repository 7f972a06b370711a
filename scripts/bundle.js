// @ts-check
/**
 * `npm run build`'s last step: each app's production entry point, `dist/<app>/bundle/main.js`,
 * which the `start:*` scripts and the image run. The compiled app (`dist/<app>/serve.js`) and
 * the libraries it loads at start-up become one file, `bundle/serve.js`: Node then reads,
 * resolves and compiles one module instead of ~2,700 (es-toolkit's barrel alone is ~430), which
 * is most of what start-up spent outside the app's own work (docs/runtime.md has the figures).
 * `bundle/main.js` is the compiled `main.js`, which starts tracing before it imports
 * `./serve.js`.
 *
 * What stays out of the bundle and loads from node_modules as before:
 * - what tracing patches as it loads (pg, ioredis; node's http is patched anyway) and the
 *   OpenTelemetry SDK, so that they are imported only after `startTracing` ran; the tracing
 *   module itself, so the app and its entry point share one `tracingStarted()`;
 * - packages that find their own files on disk: the native argon2 binding, msgpackr's native
 *   extension, pino (its transports start worker threads from its folder), Swagger UI's assets;
 * - what the code imports on demand (`import()` in our libraries: the S3 client, Elasticsearch,
 *   Bull Board), which stays an import of its own file, loaded only when configured;
 * - Nest's optional packages that are not installed (microservices, websockets, fastify).
 * Minified, names kept (`keepNames`): Nest, Swagger and the logs use class names.
 *
 * Development (`npm run dev`, dev:watch) and the tests run the compiled files unbundled.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const APPS = ['api', 'worker'];

const EXTERNAL = [
  '@groundwork/platform/tracing',
  '@opentelemetry/*',
  'import-in-the-middle',
  'import-in-the-middle/*',
  'pg',
  'pg-pool',
  'ioredis',
  '@node-rs/argon2',
  'msgpackr',
  'pino',
  'pino-pretty',
  'swagger-ui-dist',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets',
  '@nestjs/websockets/*',
  '@fastify/static',
];

/**
 * Our own code's `import()` stays an `import()` of the file it names (a package, or the
 * library's compiled file, relative to the bundle): what is loaded on demand keeps its cost
 * until it is needed, and its static imports are not hoisted into the bundle's.
 * @param {string} outdir
 * @returns {import('esbuild').Plugin}
 */
function onDemandImportsStayOut(outdir) {
  return {
    name: 'on-demand-imports-stay-out',
    setup(bundle) {
      bundle.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind !== 'dynamic-import' || args.importer.includes(`${path.sep}node_modules${path.sep}`)) return;
        if (!args.path.startsWith('.')) return { path: args.path, external: true };
        const target = path.relative(outdir, path.resolve(args.resolveDir, args.path));
        return { path: target.startsWith('.') ? target : `./${target}`, external: true };
      });
    },
  };
}

/** @type {import('esbuild').BuildOptions} */
const COMMON = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minify: true,
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  external: EXTERNAL,
  // CommonJS packages inside an ES module bundle call `require` (for node's modules too).
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
};

for (const app of APPS) {
  const outdir = path.join(ROOT, 'dist', app, 'bundle');
  await build({
    ...COMMON,
    entryPoints: [path.join(ROOT, 'dist', app, 'serve.js')],
    outfile: path.join(outdir, 'serve.js'),
    plugins: [onDemandImportsStayOut(outdir)],
  });
  await build({
    ...COMMON,
    entryPoints: [path.join(ROOT, 'dist', app, 'main.js')],
    outfile: path.join(outdir, 'main.js'),
    external: [...EXTERNAL, './serve.js'],
  });
}
