#!/usr/bin/env node
// Trims a production install (`npm ci --omit=dev`) down to what the apps load; run by the
// Dockerfile's prod-deps stage in the folder holding package-lock.json and node_modules/.
//
// 1. Packages the lockfile marks `devOptional`: npm keeps them under --omit=dev because a
//    production package names them as an *optional* peer (@prisma/client → prisma,
//    @nestjs/swagger → typescript), though only development needs them — the Prisma CLI with
//    its Studio and local-database tooling, TypeScript. Native binaries a production package
//    needs (@node-rs/argon2's) are plain `optional`, not `devOptional`, and stay.
// 2. The Prisma query compilers the generated client never loads: @prisma/client ships a
//    WebAssembly build per database and per `compilerBuild` (fast, small); the client loads
//    only the schema's provider in the schema's build.
//
// Prints what it removed and the MB freed. Usage: node scripts/prune-runtime-modules.cjs [dir]
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(process.argv[2] ?? '.');
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const schema = fs.readFileSync(path.join(root, 'prisma/schema.prisma'), 'utf8');
const provider = /datasource\s+\w+\s*\{[^}]*provider\s*=\s*"(\w+)"/.exec(schema)?.[1];
if (!provider) throw new Error('prisma/schema.prisma names no datasource provider');
const compilerBuild = /generator\s+\w+\s*\{[^}]*compilerBuild\s*=\s*"(\w+)"/.exec(schema)?.[1] ?? 'fast';

/** Bytes under a path (files only; symlinks not followed). */
function size(target) {
  const stat = fs.lstatSync(target);
  if (!stat.isDirectory()) return stat.size;
  return fs.readdirSync(target).reduce((sum, entry) => sum + size(path.join(target, entry)), 0);
}

let freed = 0;
const removed = [];
function remove(target) {
  if (!fs.existsSync(target)) return;
  freed += size(target);
  fs.rmSync(target, { recursive: true, force: true });
  removed.push(path.relative(root, target));
}

for (const [location, entry] of Object.entries(lock.packages ?? {})) {
  if (entry.devOptional === true && location.startsWith('node_modules/')) remove(path.join(root, location));
}
// The .bin links of removed packages would dangle.
const bin = path.join(root, 'node_modules/.bin');
if (fs.existsSync(bin)) {
  for (const link of fs.readdirSync(bin)) {
    const target = path.join(bin, link);
    if (!fs.existsSync(target)) fs.rmSync(target, { force: true });
  }
}

const runtime = path.join(root, 'node_modules/@prisma/client/runtime');
if (fs.existsSync(runtime)) {
  for (const file of fs.readdirSync(runtime)) {
    const match = /^query_compiler_(\w+?)_bg\.(\w+)\./.exec(file);
    if (match && (match[1] !== compilerBuild || match[2] !== provider)) remove(path.join(runtime, file));
  }
}

const packages = removed.filter((p) => !p.includes('@prisma/client/runtime/')).length;
console.log(
  `pruned ${packages} development-only packages and ${removed.length - packages} Prisma query compilers ` +
    `other than the ${compilerBuild} build for ${provider}: ${(freed / 1e6).toFixed(1)} MB`,
);
