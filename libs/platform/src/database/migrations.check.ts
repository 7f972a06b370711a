import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { PrismaService } from './prisma.service.js';

/**
 * True when every migration shipped with this build is applied and none failed: an instance
 * must not serve traffic against a schema older than its code.
 */
export async function migrationsApplied(
  prisma: PrismaService,
  migrationsDir = path.resolve('prisma/migrations'),
): Promise<boolean> {
  const rows = await prisma.$queryRaw<
    { migration_name: string; finished_at: Date | null; rolled_back_at: Date | null }[]
  >`
    SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations`;
  const applied = new Set(
    rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => r.migration_name),
  );
  if (rows.some((r) => r.finished_at === null && r.rolled_back_at === null)) return false;
  let shipped: string[];
  try {
    shipped = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return applied.size > 0;
  }
  return shipped.every((name) => applied.has(name));
}
