/**
 * Where a read gets the current versions of cache namespaces: `TwoLevelCache` itself (one Redis
 * round trip per call), or a request's `ReadAheadCacheVersions`.
 */
export interface CacheVersions {
  /**
   * One version per namespace, in order; undefined while Redis is unavailable or a bump of this
   * instance is still pending — then nothing remembered under a version may be trusted.
   */
  currentVersions(namespaces: readonly string[]): Promise<string[] | undefined>;
}

/**
 * The cache versions of one request, read together. Made with the namespaces a later read of
 * the request will need (`ahead`): the first read fetches them too, in the same round trip, and
 * the later read is served from what was fetched. Each fetched version serves one read: it was
 * read after the request arrived, so a write answered before the request is still seen, but it
 * is not refreshed — a second read asks again.
 */
export class ReadAheadCacheVersions implements CacheVersions {
  private ahead: readonly string[];
  private readonly fetched = new Map<string, string>();

  constructor(
    private readonly source: CacheVersions,
    ahead: readonly string[],
  ) {
    this.ahead = ahead;
  }

  async currentVersions(namespaces: readonly string[]): Promise<string[] | undefined> {
    if (namespaces.length > 0 && namespaces.every((namespace) => this.fetched.has(namespace))) {
      const served = namespaces.map((namespace) => this.fetched.get(namespace) as string);
      for (const namespace of namespaces) this.fetched.delete(namespace);
      return served;
    }
    const extra = this.ahead.filter((namespace) => !namespaces.includes(namespace));
    this.ahead = [];
    if (extra.length === 0) return this.source.currentVersions(namespaces);
    const versions = await this.source.currentVersions([...namespaces, ...extra]);
    if (versions === undefined) return undefined;
    extra.forEach((namespace, i) => this.fetched.set(namespace, versions[namespaces.length + i] as string));
    return versions.slice(0, namespaces.length);
  }
}
