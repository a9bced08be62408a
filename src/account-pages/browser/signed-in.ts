/**
 * /signed-in: where the identity-provider callback sends the browser, with `#code=` (one-time, to
 * exchange for tokens like a password sign-in's) or `#error=<reason>`.
 */
import { api, messageOf } from './api';
import { say, sayError, show, takeFragment } from './dom';
import { providerErrorSentence, readProviderResult } from './provider-result';
import { firstFactorPassed, wireSecondStep } from './sign-in';

const NOTHING_TO_FINISH =
  'There is no sign-in to finish here: start one from the sign-in page with the provider’s button.';

function startAgain(sentence: string): void {
  sayError(sentence);
  show('start-again');
}

export async function signedInPage(): Promise<void> {
  // Out of the address bar before anything else: the code must not stay in history or a bookmark.
  const result = readProviderResult(takeFragment());
  if (result.kind === 'error') return startAgain(providerErrorSentence(result.reason));
  if (result.kind !== 'code') return startAgain(NOTHING_TO_FINISH);
  wireSecondStep();
  say('Finishing the sign-in…');
  const { data, error, response } = await api.POST('/api/auth/oidc/exchange', {
    body: { code: result.code },
    params: { header: { 'X-Token-Delivery': 'cookie' } },
  });
  if (!data) return startAgain(messageOf(error, response));
  firstFactorPassed(data, 'Signed in with the provider: one more step.');
}
