import { Injectable } from '@nestjs/common';
import { AuditTrail, type AuditRecord, DomainError, type Page, PrismaService } from '@groundwork/platform';
import { isBuiltInFlag } from '../definitions/built-in-flags.js';
import { builtInDefinitions, type FlagDefinition, type FlagInput } from '../definitions/flag-definition.js';
import { validateFlag } from '../definitions/flag-validation.js';
import { FlagCatalogue } from '../store/flag-catalogue.js';
import { FlagRepository } from '../store/flag-repository.js';

/**
 * What platform administrators do with flags (the api checks that the caller is one): list,
 * create or replace, delete — each change written to the admin audit log in the same
 * transaction, then reloaded here and announced to every other instance.
 */
@Injectable()
export class FlagsAdminService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly repository: FlagRepository,
    private readonly catalogue: FlagCatalogue,
    private readonly audit: AuditTrail,
  ) {}

  /** Every flag as stored, and every built-in flag (with its default when nobody changed it). */
  async list(): Promise<FlagDefinition[]> {
    const flags = builtInDefinitions();
    for (const stored of await this.repository.list()) flags.set(stored.key, stored);
    return [...flags.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  async put(key: string, input: FlagInput, adminId: string): Promise<FlagDefinition> {
    validateFlag(key, input);
    const flag = await this.prisma.$transaction(async (tx) => {
      const saved = await this.repository.put(key, input, adminId, tx);
      await this.audit.record(
        {
          action: 'flag.updated',
          platform: true,
          actorId: adminId,
          details: {
            flag: key,
            enabled: saved.enabled,
            rolloutPercent: saved.rolloutPercent,
            workspaces: saved.workspaceIds.length,
            variants: saved.variants === null ? 0 : Object.keys(saved.variants).length,
            defaultVariant: saved.defaultVariant,
          },
        },
        tx,
      );
      return saved;
    });
    await this.changed(key);
    return flag;
  }

  /** Deletes a definition: a built-in flag returns to its default (a no-op when it has none stored). */
  async delete(key: string, adminId: string): Promise<void> {
    const deleted = await this.prisma.$transaction(async (tx) => {
      const existed = await this.repository.delete(key, tx);
      if (existed) {
        await this.audit.record(
          {
            action: 'flag.deleted',
            platform: true,
            actorId: adminId,
            details: { flag: key, builtIn: isBuiltInFlag(key) },
          },
          tx,
        );
      }
      return existed;
    });
    if (!deleted && !isBuiltInFlag(key)) throw new DomainError('not_found', `There is no flag "${key}".`);
    if (deleted) await this.changed(key);
  }

  /** The admin audit log, newest first. */
  auditLog(limit: number, cursor?: string): Promise<Page<AuditRecord>> {
    return this.audit.list({ platform: true }, limit, cursor);
  }

  private async changed(key: string): Promise<void> {
    await this.catalogue.reload();
    await this.catalogue.announceChange(key);
  }
}
