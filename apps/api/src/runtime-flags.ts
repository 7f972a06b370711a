import v8 from 'node:v8';

// Imported first by main, before Prisma loads: compile Prisma's WebAssembly query compiler with
// V8's baseline tier only. Measured: ~45 MiB less idle RSS per process, no slower queries.
v8.setFlagsFromString('--liftoff-only');
