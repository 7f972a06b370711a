/** One answer, read completely. */
export interface BrowserAnswer {
  status: number;
  url: string;
  /** The absolute redirect target, when the answer is a redirect. */
  location?: string;
  headers: Headers;
  setCookies: string[];
  text: string;
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A browser reduced to what a login flow needs: `fetch` without automatic redirects and a
 * cookie jar per origin (scheme, host and port, stricter than a browser, which ignores ports:
 * the api and the IdP both run on 127.0.0.1 in tests). Cookie paths are honoured, so a cookie
 * scoped to a callback path is only sent there. Each login flow of a test uses a new one, so no
 * IdP session carries over from one test to the next.
 */
export class ManualBrowser {
  private readonly jars = new Map<string, Map<string, StoredCookie>>();

  async get(url: string, headers: Record<string, string> = {}): Promise<BrowserAnswer> {
    const target = new URL(url);
    const cookie = this.cookieHeader(target);
    const res = await fetch(target, {
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      signal: AbortSignal.timeout(15_000),
    });
    const setCookies = res.headers.getSetCookie();
    this.store(target, setCookies);
    const location = res.headers.get('location');
    return {
      status: res.status,
      url: target.href,
      location: location === null ? undefined : new URL(location, target).href,
      headers: res.headers,
      setCookies,
      text: await res.text(),
    };
  }

  /** Follows redirects from `url` until one points at `stop` (not requested) or a non-redirect answer. */
  async followUntil(url: string, stop: (next: string) => boolean, maxHops = 20): Promise<BrowserAnswer> {
    let answer = await this.get(url);
    for (let hop = 0; hop < maxHops; hop += 1) {
      if (!answer.location || stop(answer.location)) return answer;
      answer = await this.get(answer.location);
    }
    throw new Error(`more than ${maxHops} redirects from ${url}`);
  }

  /** The value of a cookie this browser holds for an origin, if any. */
  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(new URL(origin).origin)?.get(name)?.value;
  }

  private cookieHeader(target: URL): string {
    const jar = this.jars.get(target.origin);
    if (!jar) return '';
    return [...jar.entries()]
      .filter(
        ([, cookie]) => target.pathname === cookie.path || target.pathname.startsWith(cookie.path.replace(/\/?$/, '/')),
      )
      .map(([name, cookie]) => `${name}=${cookie.value}`)
      .join('; ');
  }

  private store(target: URL, setCookies: string[]): void {
    let jar = this.jars.get(target.origin);
    if (!jar) {
      jar = new Map();
      this.jars.set(target.origin, jar);
    }
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', attributeValue = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path' && attributeValue) path = attributeValue;
        if (key.toLowerCase() === 'max-age' && Number(attributeValue) <= 0) expired = true;
        if (key.toLowerCase() === 'expires' && Date.parse(attributeValue) <= Date.now()) expired = true;
      }
      if (expired) jar.delete(name);
      else jar.set(name, { value, path });
    }
  }
}
