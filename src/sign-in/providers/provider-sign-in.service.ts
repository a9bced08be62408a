import {
  BadRequestException,
  Injectable,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { INVALID_LINK } from '../../common/auth/account-messages';
import { AMR } from '../../common/auth/authentication-methods';
import type { ClientContext } from '../../common/http/client-context';
import { IdentityProvidersConfig } from '../../config/config-sections';
import type { IdentityProviderSettings } from '../../config/identity-provider-settings';
import { digestsEqual, sha256Hex } from '../../crypto/digest';
import { generateOpaqueToken } from '../../crypto/random';
import { Transactions } from '../../database/transactions';
import { UserRepository } from '../../users/user.repository';
import { SecondStepService, type MfaChallenge } from '../second-step.service';
import { SignInService, type SignedIn } from '../sign-in.service';
import { FLOW_TTL_SECONDS, type ProviderFlow } from './flow-cookie';
import { IdentityLinker } from './identity-linker';
import { ProviderClients } from './provider-clients';
import { providerFailureOf, ProviderSignInRefused, type ProviderFailure } from './provider-failure';
import { authorizationUrl, redeem, type ProviderProfile } from './provider-profile';
import { RESULT_TTL_SECONDS } from './provider-result-cookie';
import { ProviderSignInCodeRepository } from './provider-sign-in-code.repository';

/** Where a callback sends the browser, and what the security log and the result cookie need. */
export type CallbackOutcome =
  | { kind: 'signed_in'; location: string; binding: string; userId: string }
  | { kind: 'linked'; location: string; userId: string }
  | { kind: 'failed'; location: string; reason: ProviderFailure; userId?: string };

/**
 * Sign-in with an identity provider, from the redirect out to the session: the flow is checked by
 * openid-client (provider-profile.ts), then decided here: the linked account, a link by verified
 * address, or a new account. The browser gets a one-time code in a fragment, never tokens in a
 * URL; the code is exchanged, bound to the browser by the result cookie, for the same answer as a
 * password sign-in (tokens, or the MFA step: a provider sign-in is one factor).
 */
@Injectable()
export class ProviderSignInService {
  constructor(
    private readonly config: IdentityProvidersConfig,
    private readonly clients: ProviderClients,
    private readonly codes: ProviderSignInCodeRepository,
    private readonly linker: IdentityLinker,
    private readonly users: UserRepository,
    private readonly secondStep: SecondStepService,
    private readonly signIn: SignInService,
    private readonly audit: AuditService,
    private readonly tx: Transactions,
  ) {}

  /** The configured providers, as the sign-in page lists them. */
  list(): Array<{ id: string; name: string }> {
    return this.config.providers.map(({ id, name }) => ({ id, name }));
  }

  /** A configured provider, or 404 (an unknown id is no route). */
  provider(id: string): IdentityProviderSettings {
    const found = this.config.providers.find((p) => p.id === id);
    if (!found) throw new NotFoundException('No identity provider with this id');
    return found;
  }

  /**
   * The provider's authorization URL and the flow to seal in the cookie. Discovery happens here,
   * the first time: a provider that cannot be reached fails with `provider_unavailable`.
   */
  async begin(
    provider: IdentityProviderSettings,
    link?: ProviderFlow['link'],
  ): Promise<{ url: string; flow: ProviderFlow }> {
    const config = await this.clients.configuration(provider);
    const redirectUri = this.clients.redirectUri(provider.id);
    const { url, secrets } = await authorizationUrl(config, provider, redirectUri);
    const expiresAt = Date.now() + FLOW_TTL_SECONDS * 1000;
    return { url: url.href, flow: { provider: provider.id, expiresAt, ...secrets, link } };
  }

  /** begin(), failing with a 503 (for a JSON caller, not a browser redirect). */
  async beginOrUnavailable(
    provider: IdentityProviderSettings,
    link?: ProviderFlow['link'],
  ): Promise<{ url: string; flow: ProviderFlow }> {
    try {
      return await this.begin(provider, link);
    } catch {
      // Unreachable, or its discovery document is wrong (another issuer): either way not now.
      throw new ServiceUnavailableException(
        'The identity provider cannot be reached or answered unexpectedly: try again later',
      );
    }
  }

  /**
   * The callback: `flow` is what the browser's cookie held (undefined: none, or not for this
   * provider, or expired). Every failure is audited once and becomes `#error=<reason>`.
   */
  async callback(
    provider: IdentityProviderSettings,
    callbackUrl: URL,
    flow: ProviderFlow | undefined,
    client: ClientContext,
  ): Promise<CallbackOutcome> {
    try {
      const state = callbackUrl.searchParams.get('state') ?? '';
      if (!flow || !digestsEqual(sha256Hex(state), sha256Hex(flow.state)))
        throw new ProviderSignInRefused('invalid_state');
      // Single use: the same cookie and callback presented again find their state spent.
      if (!(await this.codes.spendState(sha256Hex(flow.state), FLOW_TTL_SECONDS)))
        throw new ProviderSignInRefused('invalid_state');
      const config = await this.clients.configuration(provider);
      const profile = await redeem(config, provider, callbackUrl, flow);
      return flow.link
        ? await this.finishLink(provider, profile, flow.link, client)
        : await this.finishSignIn(provider, profile, client);
    } catch (error) {
      return this.failed(provider, error, client, flow);
    }
  }

  /**
   * POST /api/auth/oidc/exchange: the code and its result cookie, once. The account's credentials
   * version must still be the one the callback saw: a password reset, a factor or identity change,
   * or a deactivation in between kills the code (400, like a dead link).
   */
  async exchange(
    code: string,
    binding: string | undefined,
    client: ClientContext,
  ): Promise<SignedIn | MfaChallenge> {
    if (!binding) throw new BadRequestException(INVALID_LINK);
    const issued = await this.codes.take(sha256Hex(code));
    if (!issued || !digestsEqual(issued.bindingHash, sha256Hex(binding)))
      throw new BadRequestException(INVALID_LINK);
    const found = await this.users.findCredentials({ id: issued.userId });
    if (!found || !found.user.isActive || found.credentialsVersion !== issued.credentialsVersion)
      throw new BadRequestException(INVALID_LINK);
    const firstStep = { firstFactor: AMR.federated, identityId: issued.identityId };
    const challenge = await this.secondStep.challengeFor(found, firstStep);
    if (challenge) return challenge;
    return this.signIn.open(
      {
        userId: found.user.id,
        credentialsVersion: found.credentialsVersion,
        amr: [AMR.federated],
        identityId: issued.identityId,
      },
      client,
    );
  }

  private async finishSignIn(
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
    client: ClientContext,
  ): Promise<CallbackOutcome> {
    const code = generateOpaqueToken();
    const binding = generateOpaqueToken();
    // One transaction: a new account or link and its code commit together, or nothing does.
    const user = await this.tx.run(async () => {
      const reached = await this.linker.accountFor(provider, profile, client);
      const { identityId, how } = reached;
      await this.codes.issue(
        sha256Hex(code),
        {
          userId: reached.user.id,
          identityId,
          credentialsVersion: reached.credentialsVersion,
          bindingHash: sha256Hex(binding),
        },
        RESULT_TTL_SECONDS,
      );
      await this.audit.record({
        type: 'auth.oidc.login',
        userId: reached.user.id,
        client,
        metadata: { provider: provider.id, identityId, account: how },
      });
      return reached.user;
    });
    const location = `${this.config.publicAppUrl}/signed-in#code=${encodeURIComponent(code)}`;
    return { kind: 'signed_in', location, binding, userId: user.id };
  }

  private async finishLink(
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
    link: NonNullable<ProviderFlow['link']>,
    client: ClientContext,
  ): Promise<CallbackOutcome> {
    await this.linker.linkToSession(provider, profile, link, client);
    const location = `${this.config.publicAppUrl}/settings#linked=${encodeURIComponent(provider.id)}`;
    return { kind: 'linked', location, userId: link.userId };
  }

  /**
   * A provider flow that failed (at authorize or at the callback): audited once as
   * `auth.oidc.failure`, and where the browser goes. Errors that are not the provider's (the
   * database away) are rethrown for the service's own fault handling.
   */
  async failed(
    provider: IdentityProviderSettings,
    error: unknown,
    client: ClientContext,
    flow?: ProviderFlow,
  ): Promise<Extract<CallbackOutcome, { kind: 'failed' }>> {
    const reason = providerFailureOf(error);
    if (!reason) throw error; // not the provider's doing: the service's fault handling answers
    // What went wrong for the operator: openid-client's error code, never a message from the
    // provider (a hostile provider's text must not reach the trail verbatim).
    const detail =
      error instanceof ProviderSignInRefused
        ? undefined
        : ((error as { code?: string }).code ?? (error as Error).name);
    await this.audit.record({
      type: 'auth.oidc.failure',
      userId: flow?.link?.userId ?? null,
      client,
      metadata: { provider: provider.id, reason, ...(detail && { detail }) },
    });
    const location = `${this.config.publicAppUrl}/signed-in#error=${reason}`;
    return { kind: 'failed', location, reason, userId: flow?.link?.userId };
  }
}
