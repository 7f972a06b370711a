export const CACHED = Symbol('cached');

/** The route's path parameters, as the router matched them. */
export type RouteParams = Readonly<Record<string, string | undefined>>;

export interface CachedOptions {
  /**
   * The cache namespaces the answer depends on, from the path parameters: a write that
   * changes the answer bumps one of them. They are also the answer's scope — the workspace
   * is in them, and the access guard has already decided that the caller may read it.
   */
  namespaces: (params: RouteParams) => readonly string[];
}
