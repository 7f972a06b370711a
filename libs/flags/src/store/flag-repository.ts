import { Injectable } from '@nestjs/common';
import { Prisma, PrismaService } from '@groundwork/platform';
import { BUILT_IN_FLAGS, isBuiltInFlag } from '../definitions/built-in-flags.js';
import type { FlagDefinition, FlagInput } from '../definitions/flag-definition.js';

type Db = Prisma.TransactionClient | PrismaService;

type FlagRow = Prisma.FeatureFlagGetPayload<object>;

function variantsOf(json: Prisma.JsonValue | null): Record<string, string> | null {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return null;
  const variants: Record<string, string> = {};
  for (const [name, value] of Object.entries(json)) if (typeof value === 'string') variants[name] = value;
  return variants;
}

function toDefinition(row: FlagRow): FlagDefinition {
  const key = row.key;
  const builtIn = isBuiltInFlag(key);
  return {
    key,
    // A built-in flag redefined without a description keeps the one declared in code.
    description: row.description ?? (isBuiltInFlag(key) ? BUILT_IN_FLAGS[key].description : null),
    enabled: row.enabled,
    rolloutPercent: row.rolloutPercent,
    workspaceIds: row.workspaceIds,
    variants: variantsOf(row.variants),
    defaultVariant: row.defaultVariant,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
    builtIn,
  };
}

/** The stored flag definitions (PostgreSQL, `feature_flags`). */
@Injectable()
export class FlagRepository {
  constructor(private readonly prisma: PrismaService) {}

  async list(db: Db = this.prisma): Promise<FlagDefinition[]> {
    const rows = await db.featureFlag.findMany({ orderBy: { key: 'asc' } });
    return rows.map(toDefinition);
  }

  async find(key: string, db: Db = this.prisma): Promise<FlagDefinition | undefined> {
    const row = await db.featureFlag.findUnique({ where: { key } });
    return row ? toDefinition(row) : undefined;
  }

  /** Creates or replaces the whole definition. */
  async put(key: string, input: FlagInput, updatedBy: string, db: Db): Promise<FlagDefinition> {
    const data = {
      description: input.description ?? null,
      enabled: input.enabled,
      rolloutPercent: input.rolloutPercent ?? null,
      workspaceIds: [...new Set(input.workspaceIds ?? [])],
      variants: input.variants == null ? Prisma.DbNull : { ...input.variants },
      defaultVariant: input.variants == null ? null : (input.defaultVariant ?? null),
      updatedAt: new Date(),
      updatedBy,
    };
    const row = await db.featureFlag.upsert({ where: { key }, create: { key, ...data }, update: data });
    return toDefinition(row);
  }

  /** Whether there was a definition to delete. */
  async delete(key: string, db: Db): Promise<boolean> {
    const { count } = await db.featureFlag.deleteMany({ where: { key } });
    return count > 0;
  }
}
