-- When an endpoint's current run of failed delivery attempts began (NULL after a success): an
-- endpoint that has failed for 24 h without a success is disabled. Nullable, no default: adding it
-- rewrites nothing and the previous release never reads it.
ALTER TABLE "webhook_endpoints" ADD COLUMN "failing_since" TIMESTAMPTZ(3);
