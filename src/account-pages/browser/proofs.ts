/**
 * "Confirm it's you": the proofs sensitive operations ask for (docs/API.md "Account integrity").
 * Credential changes send them in their own body (password and, with a second factor on, a code,
 * a recovery code or a passkey); other sensitive operations that answer "proof needed" get one
 * through POST /api/auth/step-up first, then run again.
 */
import type { Schemas } from '../../../client/src';
import { api, authorized, messageOf, needsProof } from './api';
import { input, sayError } from './dom';
import { usePasskey } from './webauthn';

type Proofs = Schemas['ProofsDto'];

export const ASK_FOR_PROOF =
  'Confirm it’s you: enter your password (and, with two-step sign-in on, a code or a passkey) above, then try again.';

/** What the fieldset holds now; a passkey is asked for when its box is ticked. The code is single-use: cleared. */
export async function currentProofs(): Promise<Proofs | undefined> {
  const proofs: Proofs = {};
  const password = input('proof-password').value;
  if (password) proofs.password = password;
  if (input('proof-passkey').checked) {
    const options = await authorized(() => api.POST('/api/auth/step-up/passkey/options'));
    if (!options.data) {
      sayError(messageOf(options.error, options.response));
      return undefined;
    }
    proofs.passkey = await usePasskey(options.data);
  } else {
    const second = input('proof-second').value.trim();
    if (/^\d{6}$/.test(second)) proofs.code = second;
    else if (second) proofs.recoveryCode = second;
    input('proof-second').value = '';
  }
  return proofs;
}

interface Answer {
  response: Response;
  error?: unknown;
}

/**
 * Runs a sensitive operation (not a credential change): as it is first, and when the API asks for
 * a proof, after a step-up with one proof from the fieldset. Reports a failure; true on success.
 */
export async function sensitive(call: () => Promise<Answer>): Promise<boolean> {
  const first = await authorized(call);
  if (first.response.ok) return true;
  if (!needsProof(first.response)) return fail(first);
  const proofs = await currentProofs();
  if (!proofs) return false;
  const { password, passkey, code, recoveryCode } = proofs;
  const one: Proofs = password
    ? { password }
    : passkey
      ? { passkey }
      : code
        ? { code }
        : recoveryCode
          ? { recoveryCode }
          : {};
  if (Object.keys(one).length === 0) {
    sayError(ASK_FOR_PROOF);
    return false;
  }
  const stepUp = await authorized(() => api.POST('/api/auth/step-up', { body: one }));
  if (!stepUp.response.ok) return fail(stepUp);
  const again = await authorized(call);
  return again.response.ok || fail(again);
}

/** Runs a credential change with the fieldset's proofs in its body; reports a failure. */
export async function credentialChange<T extends Answer>(
  call: (proofs: Proofs) => Promise<T>,
): Promise<T | undefined> {
  const proofs = await currentProofs();
  if (!proofs) return undefined;
  const answer = await authorized(() => call(proofs));
  if (answer.response.ok) return answer;
  fail(answer);
  return undefined;
}

function fail(answer: Answer): false {
  const message = messageOf(answer.error, answer.response);
  sayError(needsProof(answer.response) ? `${message} ${ASK_FOR_PROOF}` : message);
  return false;
}
