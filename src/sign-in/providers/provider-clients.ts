import { Injectable } from '@nestjs/common';
import * as client from 'openid-client';
import { IdentityProvidersConfig } from '../../config/config-sections';
import type {
  GithubProviderSettings,
  IdentityProviderSettings,
  OidcProviderSettings,
} from '../../config/identity-provider-settings';
import { providerFetch } from './provider-fetch';

/**
 * openid-client's Configuration of each provider. An OpenID provider's is discovered from its
 * issuer when it is first needed, never at start-up (a provider that is down must not stop the
 * service), and discovered again after a failure; openid-client checks that the discovered issuer
 * is the configured one, and keeps the provider's JWKS to check every ID token's signature. GitHub has no discovery document: its
 * endpoints are its documented ones.
 */
@Injectable()
export class ProviderClients {
  private readonly fetch: client.CustomFetch;
  private readonly discovered = new Map<string, Promise<client.Configuration>>();

  constructor(private readonly config: IdentityProvidersConfig) {
    this.fetch = providerFetch(config.extraCaFile);
  }

  /** The provider's Configuration; a failed discovery is forgotten, so the next sign-in retries. */
  configuration(provider: IdentityProviderSettings): Promise<client.Configuration> {
    let found = this.discovered.get(provider.id);
    if (!found) {
      found = this.configure(provider);
      this.discovered.set(provider.id, found);
      found.catch(() => this.discovered.delete(provider.id));
    }
    return found;
  }

  private async configure(provider: IdentityProviderSettings): Promise<client.Configuration> {
    const config =
      provider.type === 'github' ? this.github(provider) : await this.discover(provider);
    config[client.customFetch] = this.fetch;
    config.timeout = provider.timeoutSeconds;
    // openid-client trusts an ID token from the token endpoint on TLS alone (OpenID Connect Core
    // 3.1.3.7 allows it); its signature is checked against the provider's JWKS as well, so a
    // compromised or misrouted token endpoint cannot mint identities.
    if (provider.type === 'oidc') client.enableNonRepudiationChecks(config);
    return config;
  }

  private discover(provider: OidcProviderSettings): Promise<client.Configuration> {
    const auth =
      provider.clientAuth === 'client_secret_post'
        ? client.ClientSecretPost(provider.clientSecret)
        : client.ClientSecretBasic(provider.clientSecret);
    return client.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, {
      [client.customFetch]: this.fetch,
      timeout: provider.timeoutSeconds,
    });
  }

  private github(provider: GithubProviderSettings): client.Configuration {
    return new client.Configuration(
      {
        issuer: provider.webUrl,
        authorization_endpoint: `${provider.webUrl}/login/oauth/authorize`,
        token_endpoint: `${provider.webUrl}/login/oauth/access_token`,
      },
      provider.clientId,
      undefined,
      // GitHub's documented form: the secret in the body.
      client.ClientSecretPost(provider.clientSecret),
    );
  }

  /** The callback this service registers at every provider: exact, from PUBLIC_API_URL. */
  redirectUri(providerId: string): string {
    return `${this.config.publicApiUrl}/api/auth/oidc/${providerId}/callback`;
  }
}
