import { Module } from '@nestjs/common';
import { FlagsAdminService } from './admin/flags-admin.service.js';
import { FeatureFlags } from './evaluation/feature-flags.js';
import { FlagEvaluationHook } from './evaluation/flag-evaluation-hook.js';
import { FlagCatalogue } from './store/flag-catalogue.js';
import { FlagRepository } from './store/flag-repository.js';

/**
 * The feature flags context: definitions in PostgreSQL, an in-memory catalogue on every
 * instance kept current through Redis, evaluation through OpenFeature (`FeatureFlags`, what
 * other contexts use) and the administrators' operations (`FlagsAdminService`).
 */
@Module({
  providers: [FlagRepository, FlagCatalogue, FlagEvaluationHook, FeatureFlags, FlagsAdminService],
  exports: [FeatureFlags, FlagsAdminService, FlagCatalogue],
})
export class FlagsModule {}
