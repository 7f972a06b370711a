import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration, type JWK } from 'oidc-provider';
import { freePort } from './ports.js';

/** An account at the test IdP; the test decides what the IdP asserts about it. */
export interface IdpAccount {
  sub: string;
  email: string;
  email_verified: boolean;
  name?: string;
}

export interface OidcTestProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The relying party's callback URL(s), registered for the client. */
  redirectUris: string[];
  /** Where to listen (default: a free port), e.g. where a test let discovery fail first. */
  port?: number;
}

/**
 * A real OpenID provider (`oidc-provider`, the certified implementation) on 127.0.0.1, for
 * black-box tests of the login flow. One confidential client, PKCE required for it; accounts
 * live in memory. The interaction step (the IdP's login and consent pages) is automated: it logs
 * in the account chosen with `loginAs()` and grants what the client asked for, answering with
 * redirects only, so a test follows the whole flow with `fetch(..., { redirect: 'manual' })`.
 */
export class OidcTestProvider {
  private nextLogin: string | undefined;
  private readonly server: Server;

  private constructor(
    readonly issuer: string,
    private readonly provider: Provider,
    private readonly accounts: Map<string, IdpAccount>,
  ) {
    const handle = provider.callback();
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/interaction/')) {
        this.interact(req, res).catch((error: unknown) => {
          res.statusCode = 500;
          res.end(String(error));
        });
        return;
      }
      void handle(req, res);
    });
  }

  static async start(options: OidcTestProviderOptions): Promise<OidcTestProvider> {
    const port = options.port ?? (await freePort());
    const issuer = `http://127.0.0.1:${port}`;
    // A fresh signing key per run, instead of oidc-provider's development key (it warns on that).
    const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
    const accounts = new Map<string, IdpAccount>();
    const configuration: Configuration = {
      clients: [
        {
          client_id: options.clientId,
          client_secret: options.clientSecret,
          redirect_uris: options.redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [{ ...signingKey, kid: 'test-rs256', alg: 'RS256', use: 'sig' } as JWK] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      // Confidential clients need not use PKCE by default; this one must, like the api does.
      pkce: { required: () => true },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      // Explicit lifetimes (the defaults print a notice each); the access token only serves UserInfo.
      ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
      findAccount: (_ctx, sub) => {
        const account = accounts.get(sub);
        if (!account) return undefined;
        return {
          accountId: sub,
          claims: () => ({
            sub,
            email: account.email,
            email_verified: account.email_verified,
            ...(account.name === undefined ? {} : { name: account.name }),
          }),
        };
      },
    };
    const provider = new Provider(issuer, configuration);
    const fixture = new OidcTestProvider(issuer, provider, accounts);
    await new Promise<void>((resolve, reject) => {
      fixture.server.once('error', reject);
      fixture.server.listen(port, '127.0.0.1', () => resolve());
    });
    if ((fixture.server.address() as AddressInfo).port !== port) throw new Error('the IdP did not bind its port');
    return fixture;
  }

  /** Adds (or replaces) an account. */
  addAccount(account: IdpAccount): IdpAccount {
    this.accounts.set(account.sub, account);
    return account;
  }

  /** The account the next login interaction signs in. */
  loginAs(sub: string): void {
    if (!this.accounts.has(sub)) throw new Error(`no IdP account ${sub}`);
    this.nextLogin = sub;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  /** The IdP's login and consent pages, without pages: each answers with the redirect a form post would. */
  private async interact(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const interaction = await this.provider.interactionDetails(req, res);
    switch (interaction.prompt.name) {
      case 'login': {
        const accountId = this.nextLogin;
        if (!accountId) throw new Error('the test chose no account: call loginAs() first');
        await this.provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
        return;
      }
      case 'consent': {
        const accountId = interaction.session?.accountId;
        if (!accountId) throw new Error('consent without a logged-in account');
        const grant = interaction.grantId
          ? await this.provider.Grant.find(interaction.grantId)
          : new this.provider.Grant({ accountId, clientId: String(interaction.params.client_id) });
        if (!grant) throw new Error('the interaction names an unknown grant');
        const details = interaction.prompt.details as {
          missingOIDCScope?: string[];
          missingOIDCClaims?: string[];
          missingResourceScopes?: Record<string, string[]>;
        };
        if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
        if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
        for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
          grant.addResourceScope(indicator, scopes.join(' '));
        }
        const grantId = await grant.save();
        await this.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      default:
        throw new Error(`unexpected interaction prompt ${interaction.prompt.name}`);
    }
  }
}
