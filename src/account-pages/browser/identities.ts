/**
 * The account page's identities: the provider accounts linked to this one (each can be unlinked)
 * and a "Link" button per configured provider. Both are credential changes: the proofs of the
 * "Confirm it's you" fieldset go along. A link leaves the page for the provider; the callback
 * brings the browser back to /settings#linked=<id>.
 */
import type { Schemas } from '../../../client/src';
import { api, authorized, messageOf, refreshSession } from './api';
import { byId, element, say, sayError, show } from './dom';
import { credentialChange } from './proofs';

type Provider = Schemas['IdentityProviderResponse'];

let providers: Provider[] = [];

/** The name a provider's buttons use; its id when it is no longer configured. */
export function providerName(id: string): string {
  return providers.find((provider) => provider.id === id)?.name ?? id;
}

function identityItem(identity: Schemas['IdentityResponse'], onChange: () => Promise<void>) {
  const name = providerName(identity.provider);
  const linked = new Date(identity.createdAt).toLocaleString();
  const item = element('li', `${name} · ${identity.email ?? 'no address'} · linked ${linked}`);
  const unlink = element('button', 'Unlink', {
    type: 'button',
    'aria-label': `Unlink ${name} (${identity.email ?? identity.id})`,
  });
  unlink.addEventListener('click', () => {
    unlink.disabled = true;
    void unlinkIdentity(identity.id, name, onChange).finally(() => (unlink.disabled = false));
  });
  item.append(' ', unlink);
  return item;
}

async function unlinkIdentity(
  id: string,
  name: string,
  onChange: () => Promise<void>,
): Promise<void> {
  const done = await credentialChange((proofs) =>
    api.DELETE('/api/users/me/identities/{id}', { params: { path: { id } }, body: proofs }),
  );
  if (!done) return;
  // The sessions that identity opened have ended: this one too, when it was one of them.
  if ((await refreshSession()).response.status === 401) return location.replace('/sign-in');
  say(`${name} is unlinked; the sessions it opened have ended.`);
  await onChange();
}

async function linkProvider(provider: Provider): Promise<void> {
  const answer = await credentialChange((proofs) =>
    api.POST('/api/auth/oidc/{id}/link', { params: { path: { id: provider.id } }, body: proofs }),
  );
  if (!answer?.data) return;
  say(`To ${provider.name}…`);
  location.assign(answer.data.authorizeUrl);
}

function linkButton(provider: Provider): HTMLLIElement {
  const item = element('li');
  const button = element('button', `Link ${provider.name}`, { type: 'button' });
  button.addEventListener('click', () => {
    button.disabled = true;
    void linkProvider(provider)
      .catch(() => sayError('The link could not be started; reload the page and try again.'))
      .finally(() => (button.disabled = false));
  });
  item.append(button);
  return item;
}

/**
 * Lists the linked identities and the link buttons; the section stays hidden while there is
 * neither (no provider configured and nothing linked). `onChange` reloads what an unlink changes.
 */
export async function loadIdentities(onChange: () => Promise<void>): Promise<void> {
  const [configured, linked] = await Promise.all([
    api.GET('/api/auth/oidc/providers'),
    authorized(() => api.GET('/api/users/me/identities')),
  ]);
  providers = configured.data ?? [];
  if (!linked.data) return sayError(messageOf(linked.error, linked.response));
  byId('identity-list').replaceChildren(
    ...linked.data.map((identity) => identityItem(identity, onChange)),
  );
  byId('link-list').replaceChildren(...providers.map(linkButton));
  show('no-identities', linked.data.length === 0);
  show('identities', providers.length > 0 || linked.data.length > 0);
}
