import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { ClientContext } from '../../common/http/client-context';
import type { IdentityProviderSettings } from '../../config/identity-provider-settings';
import { randomSuffix } from '../../crypto/random';
import { Transactions } from '../../database/transactions';
import { MailService } from '../../mail/mail.service';
import { SessionsService } from '../../sessions/sessions.service';
import type { User } from '../../users/user.entity';
import { UserRepository } from '../../users/user.repository';
import type { ProviderFlow } from './flow-cookie';
import { IdentityRepository } from './identity.repository';
import { ProviderSignInRefused } from './provider-failure';
import type { ProviderProfile } from './provider-profile';

/** The account a provider sign-in reaches, the credentials version it was read at, and how. */
export interface ReachedAccount {
  user: User;
  credentialsVersion: number;
  identityId: string;
  how: 'linked' | 'linked_by_email' | 'created';
}

/**
 * Decides whose account a provider identity is, and writes the link. An identity reaches only the
 * account it is linked to; an address alone links only when both sides have verified it and the
 * provider is trusted to (`linkVerifiedEmail`), because a provider that lets users claim any
 * address would otherwise hand out other people's accounts. Every new link is a new way in: the
 * credentials version moves on (pending links, codes and sign-in steps die) and the owner is mailed.
 */
@Injectable()
export class IdentityLinker {
  constructor(
    private readonly identities: IdentityRepository,
    private readonly users: UserRepository,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly tx: Transactions,
  ) {}

  async accountFor(
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
    client: ClientContext,
  ): Promise<ReachedAccount> {
    const linked = await this.identities.findByKey(profile.issuer, profile.subject);
    if (linked)
      return { ...(await this.activeAccount(linked.userId)), identityId: linked.id, how: 'linked' };
    if (!profile.email) throw new ProviderSignInRefused('email_not_verified');
    const local = await this.users.findCredentials({ email: profile.email });
    if (local) return this.linkByAddress(provider, profile, local.user, client);
    if (!provider.allowSignUp) throw new ProviderSignInRefused('link_required');
    if (!profile.emailVerified) throw new ProviderSignInRefused('email_not_verified');
    return this.createAccount(provider, profile, client);
  }

  /**
   * Links the identity to the signed-in session that started the flow, while that session is live.
   * The caller's session lives on; every other one ends (a new way in, like a new factor).
   */
  async linkToSession(
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
    link: NonNullable<ProviderFlow['link']>,
    client: ClientContext,
  ): Promise<void> {
    if (!(await this.sessions.authenticate(link.sessionId, link.userId)))
      throw new ProviderSignInRefused('invalid_state');
    await this.tx.run(async () => {
      const owner = await this.users.lockForUpdate(link.userId);
      if (!owner?.isActive) throw new ProviderSignInRefused('account_disabled');
      const existing = await this.identities.findByKey(profile.issuer, profile.subject);
      if (existing) {
        if (existing.userId !== owner.id) throw new ProviderSignInRefused('identity_in_use');
        return; // linked already: nothing changes
      }
      const identity = await this.insert(owner.id, provider, profile);
      await this.users.bumpCredentialsVersion(owner.id);
      const sessionsEnded = await this.sessions.keepOnlyCaller(
        owner.id,
        link.sessionId,
        'identity_linked',
      );
      await this.linked(owner, provider, identity, 'session', sessionsEnded, client);
      await this.mail.notify(owner, 'identity-linked', { provider: provider.name });
    });
  }

  private async linkByAddress(
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
    local: User,
    client: ClientContext,
  ): Promise<ReachedAccount> {
    if (!provider.linkVerifiedEmail || !profile.emailVerified || !local.emailVerified)
      throw new ProviderSignInRefused('link_required');
    return this.tx.run(async () => {
      const owner = await this.users.lockForUpdate(local.id);
      if (!owner?.isActive) throw new ProviderSignInRefused('account_disabled');
      const identity = await this.insert(owner.id, provider, profile);
      await this.users.bumpCredentialsVersion(owner.id);
      const sessionsEnded = await this.sessions.revoke({ userId: owner.id }, 'identity_linked');
      await this.linked(owner, provider, identity, 'verified_email', sessionsEnded, client);
      await this.mail.notify(owner, 'identity-linked', { provider: provider.name });
      return {
        ...(await this.activeAccount(owner.id)),
        identityId: identity,
        how: 'linked_by_email',
      };
    });
  }

  /** A new account: no password, no birth date, the address as the provider verified it. */
  private createAccount(
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
    client: ClientContext,
  ): Promise<ReachedAccount> {
    const email = profile.email as string;
    return this.tx.run(async () => {
      const user = await this.users.insert({
        email,
        // A name nobody chose; the user may change it. Not derived from the provider's profile, so
        // it says nothing about the person.
        username: `user_${randomSuffix(12)}`,
        passwordHash: null,
        birthDate: null,
        role: 'user',
      });
      // Taken meanwhile by a registration or another sign-in: that account needs linking instead.
      if (!user) throw new ProviderSignInRefused('link_required');
      await this.users.markEmailVerified(user.id);
      const identity = await this.insert(user.id, provider, profile);
      await this.audit.record({
        type: 'auth.register',
        userId: user.id,
        client,
        metadata: { provider: provider.id },
      });
      return { ...(await this.activeAccount(user.id)), identityId: identity, how: 'created' };
    });
  }

  private async activeAccount(userId: string): Promise<Omit<ReachedAccount, 'identityId' | 'how'>> {
    const found = await this.users.findCredentials({ id: userId });
    if (!found?.user.isActive) throw new ProviderSignInRefused('account_disabled');
    return { user: found.user, credentialsVersion: found.credentialsVersion };
  }

  /** The new identity's id; an identity linked meanwhile to any account is in use. */
  private async insert(
    userId: string,
    provider: IdentityProviderSettings,
    profile: ProviderProfile,
  ): Promise<string> {
    const key = { issuer: profile.issuer, subject: profile.subject };
    const identity = await this.identities.insert(userId, provider.id, key, profile.email);
    if (!identity) throw new ProviderSignInRefused('identity_in_use');
    return identity.id;
  }

  private linked(
    user: User,
    provider: IdentityProviderSettings,
    identityId: string,
    by: 'session' | 'verified_email',
    sessionsEnded: number,
    client: ClientContext,
  ): Promise<void> {
    return this.audit.record({
      type: 'auth.oidc.linked',
      userId: user.id,
      client,
      metadata: { provider: provider.id, identityId, by, sessionsEnded },
    });
  }
}
