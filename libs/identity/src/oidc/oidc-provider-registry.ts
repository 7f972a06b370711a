import { Injectable, Logger } from '@nestjs/common';
import * as oidc from 'openid-client';
import { AppConfig, DomainError, type OidcProviderConfig } from '@groundwork/platform';

/** How long discovery (and, through the resulting configuration, every later IdP call) may take. */
const IDP_TIMEOUT_SECONDS = 5;
/** After a failed discovery, requests answer 503 for this long before discovery is tried again. */
const DISCOVERY_RETRY_AFTER_MS = 10_000;

/** The callback route: the redirect URI registered at every provider. */
export function oidcRedirectUri(publicApiUrl: string, provider: string): string {
  return `${publicApiUrl.replace(/\/+$/, '')}/v1/auth/oidc/${encodeURIComponent(provider)}/callback`;
}

/** A configured provider whose metadata was discovered: ready for the code flow. */
export interface OidcClient {
  name: string;
  configuration: oidc.Configuration;
  redirectUri: string;
}

/** A discovery under way or done (the promise is kept either way), or one that failed recently. */
type Entry = { kind: 'discovery'; client: Promise<OidcClient> } | { kind: 'failed'; retryAt: number };

/**
 * One openid-client configuration per `OIDC_<NAME>_*` provider. Discovery happens at the first
 * login through that provider, not at boot: an IdP that is down must not stop the api from
 * starting, nor break the other providers. A failed discovery answers 503 for a short while
 * and is then tried again, so a provider heals by itself once it is back.
 */
@Injectable()
export class OidcProviderRegistry {
  private readonly logger = new Logger(OidcProviderRegistry.name);
  private readonly providers: Map<string, OidcProviderConfig>;
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly config: AppConfig) {
    this.providers = new Map(config.oidc.map((provider) => [provider.name, provider]));
  }

  async client(name: string): Promise<OidcClient> {
    const provider = this.providers.get(name);
    if (!provider) throw new DomainError('not_found', 'There is no such OpenID provider.');
    const entry = this.entries.get(name);
    if (entry?.kind === 'discovery') return entry.client;
    if (entry?.kind === 'failed' && entry.retryAt > Date.now()) throw this.unavailable(name, entry.retryAt);

    // Concurrent first logins share one discovery, and all of them see its failure as a 503.
    const client = this.discover(provider).catch((error: unknown) => {
      const retryAt = Date.now() + DISCOVERY_RETRY_AFTER_MS;
      this.entries.set(name, { kind: 'failed', retryAt });
      this.logger.warn({ err: error, provider: name }, 'OpenID provider discovery failed');
      throw this.unavailable(name, retryAt, error);
    });
    this.entries.set(name, { kind: 'discovery', client });
    return client;
  }

  private async discover(provider: OidcProviderConfig): Promise<OidcClient> {
    const issuer = new URL(provider.issuer);
    const execute: Array<(configuration: oidc.Configuration) => void> = [];
    // openid-client refuses plain-http IdPs. Outside production an http issuer is a local or test
    // IdP (the e2e tests run one on 127.0.0.1), so it is allowed there, and only for http issuers;
    // in production every IdP must be https.
    if (issuer.protocol === 'http:' && !this.config.isProduction) execute.push(oidc.allowInsecureRequests);
    const configuration = await oidc.discovery(issuer, provider.clientId, undefined, undefined, {
      execute,
      timeout: IDP_TIMEOUT_SECONDS,
    });
    // client_secret_basic is the default of OpenID Connect (and of RFC 7591) when a provider does
    // not list its methods; client_secret_post only when the provider says that is all it takes.
    const methods = configuration.serverMetadata().token_endpoint_auth_methods_supported;
    const basic = !methods || methods.includes('client_secret_basic');
    const authenticated = new oidc.Configuration(
      configuration.serverMetadata(),
      provider.clientId,
      undefined,
      basic ? oidc.ClientSecretBasic(provider.clientSecret) : oidc.ClientSecretPost(provider.clientSecret),
    );
    for (const apply of execute) apply(authenticated);
    authenticated.timeout = IDP_TIMEOUT_SECONDS;
    return {
      name: provider.name,
      configuration: authenticated,
      redirectUri: oidcRedirectUri(this.config.http.publicApiUrl, provider.name),
    };
  }

  private unavailable(name: string, retryAt: number, cause?: unknown): DomainError {
    return new DomainError('unavailable', `The OpenID provider "${name}" cannot be reached; retry shortly.`, {
      retryAfterSeconds: Math.max(1, Math.ceil((retryAt - Date.now()) / 1000)),
      cause,
    });
  }
}
