/**
 * Redis names of the real-time fan-out, derived from the deployment's key prefix
 * (`REDIS_KEY_PREFIX`), so that several deployments or test runs can share one Redis. The
 * workspace id is a hash tag (`{…}`): a workspace's log and its per-event markers live in one
 * cluster slot, as the publishing script needs.
 */
export class RealtimeKeys {
  constructor(private readonly prefix: string) {}

  /** The one channel every api instance subscribes to. */
  get channel(): string {
    return `${this.prefix}:realtime:events`;
  }

  /** The workspace's bounded event log (a stream, MAXLEN ~N). */
  stream(workspaceId: string): string {
    return `${this.prefix}:realtime:{${workspaceId}}:log`;
  }

  /** Marks an event as published (idempotence) and remembers its position in the log (resume). */
  published(workspaceId: string, eventId: string): string {
    return `${this.prefix}:realtime:{${workspaceId}}:event:${eventId}`;
  }

  /** The open real-time connections of one principal (`user:<id>`, `key:<id>`), leases by expiry. */
  connections(principalKey: string): string {
    return `${this.prefix}:realtime:connections:${principalKey}`;
  }
}
