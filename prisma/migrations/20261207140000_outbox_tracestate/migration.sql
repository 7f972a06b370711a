-- The W3C tracestate that came with an event's traceparent (vendor trace data, passed on to
-- the jobs the event causes). The spec caps it at 512 characters.
ALTER TABLE "outbox_events" ADD COLUMN "tracestate" VARCHAR(512);
