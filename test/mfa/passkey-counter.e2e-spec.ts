import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { Client } from 'pg';
import { SIGN_IN_ERRORS } from '../../src/sign-in/sign-in-errors';
import { registerAndLogin, sql, type LoggedIn } from '../support/auth-helpers';
import { expectErrorBody } from '../support/error-body';
import { SoftAuthenticator, type SoftAuthenticatorOptions } from '../support/soft-authenticator';
import type { TestApp } from '../support/test-app';
import { passwordStep } from './mfa-helpers';
import {
  PASSKEY_ORIGIN,
  addPasskey,
  assertionOptions,
  signInWith,
  startPasskeyApp,
  storedCounter,
  type StoredPasskey,
} from './passkey-helpers';

type Path = 'passwordless' | 'second factor';
const PATHS: Path[] = ['passwordless', 'second factor'];

/** One sign-in ready for its assertion: its options (and the login's mfaToken on the second-factor path). */
interface Attempt {
  options: PublicKeyCredentialRequestOptionsJSON;
  mfaToken?: string;
}

/**
 * A passkey's signature counter only moves forward: an assertion whose counter is not above the
 * stored one is refused (unless both are 0, as synced passkeys report), also when two sign-ins
 * with the same passkey race. Every change of a passkey row is logged by a test-only trigger in
 * the order the updates took the row, which for updates of one row is their commit order.
 */
describe('passkey signature counter', () => {
  let t: TestApp;
  let owner: Client;

  beforeAll(async () => {
    t = await startPasskeyApp();
    owner = t.db.owner();
    await owner.connect();
    // Runs as the schema owner (SECURITY DEFINER), so the application's role needs no grant.
    await owner.query(`
      CREATE TABLE passkey_counter_log (
        seq bigserial PRIMARY KEY,
        passkey_id uuid NOT NULL,
        old_counter bigint NOT NULL,
        new_counter bigint NOT NULL
      );
      CREATE FUNCTION log_passkey_counter() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
      BEGIN
        INSERT INTO passkey_counter_log (passkey_id, old_counter, new_counter)
          VALUES (NEW.id, OLD.counter, NEW.counter);
        RETURN NEW;
      END $$;
      CREATE TRIGGER passkey_counter_log AFTER UPDATE ON passkeys
        FOR EACH ROW EXECUTE FUNCTION log_passkey_counter();`);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  /** The counter changes of a passkey that committed, in commit order. */
  const committed = async (passkey: StoredPasskey): Promise<Array<[number, number]>> =>
    (
      await owner.query<{ old_counter: string; new_counter: string }>(
        'SELECT old_counter, new_counter FROM passkey_counter_log WHERE passkey_id = $1 ORDER BY seq',
        [passkey.id],
      )
    ).rows.map((r) => [Number(r.old_counter), Number(r.new_counter)]);

  const failures = async (user: LoggedIn, path: Path): Promise<number> => {
    const type = path === 'passwordless' ? 'auth.login.failure' : 'auth.mfa.failure';
    const [{ n }] = await sql<{ n: number }>(
      t,
      'SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND type = $2',
      [user.id, type],
    );
    return n;
  };

  /** The options (and mfaToken) of one sign-in of `user` by `path`. */
  const attempt = async (user: LoggedIn, path: Path): Promise<Attempt> => {
    if (path === 'passwordless') return { options: await assertionOptions(t) };
    const mfaToken = await passwordStep(t, user);
    return { options: await assertionOptions(t, mfaToken), mfaToken };
  };

  /** A user with one passkey held by a fresh soft authenticator, signed in with once. */
  const enrolled = async (settings: SoftAuthenticatorOptions = {}) => {
    const user = await registerAndLogin(t);
    const authenticator = new SoftAuthenticator(settings);
    const passkey = await addPasskey(t, user, authenticator);
    const first = await attempt(user, 'passwordless');
    await signInWith(t, authenticator.assert(first.options, PASSKEY_ORIGIN)).expect(200);
    return { user, authenticator, passkey, credential: authenticator.credentials[0] };
  };

  it.each(PATHS)(
    '%s: an assertion with an older counter that arrives after a newer one is refused',
    async (path) => {
      const { user, authenticator, passkey, credential } = await enrolled();
      const n = credential.counter;
      expect(n).toBe(1);
      const older = await attempt(user, path);
      const newer = await attempt(user, path);
      const olderAssertion = authenticator.assert(older.options, PASSKEY_ORIGIN, {
        counter: n + 1,
      });
      const newerAssertion = authenticator.assert(newer.options, PASSKEY_ORIGIN, {
        counter: n + 2,
      });

      await signInWith(t, newerAssertion, newer.mfaToken).expect(200);
      const refused = await signInWith(t, olderAssertion, older.mfaToken);
      expectErrorBody(refused, 401);
      expect(refused.body.message).toBe(
        path === 'passwordless'
          ? SIGN_IN_ERRORS.PASSKEY_REFUSED
          : SIGN_IN_ERRORS.WRONG_SECOND_FACTOR,
      );
      expect(await storedCounter(t, passkey.credentialId)).toBe(n + 2);
      expect(await failures(user, path)).toBe(1);
      expect(await committed(passkey)).toEqual([
        [0, n],
        [n, n + 2],
      ]);
    },
  );

  it('refuses a counter of 0 once the passkey has reported a higher one', async () => {
    const { user, authenticator, passkey } = await enrolled();
    const next = await attempt(user, 'passwordless');
    expectErrorBody(
      await signInWith(t, authenticator.assert(next.options, PASSKEY_ORIGIN, { counter: 0 })),
      401,
    );
    expect(await storedCounter(t, passkey.credentialId)).toBe(1);
  });

  it.each(PATHS)(
    '%s: of concurrent sign-ins, only counters above every one committed before land',
    async (path) => {
      const { user, authenticator, passkey, credential } = await enrolled();
      const n = credential.counter;
      const burst = 6;
      const attempts = await Promise.all(Array.from({ length: burst }, () => attempt(user, path)));
      // Counters n+1 … n+burst, sent highest first so the lower ones tend to arrive late.
      const counters = attempts.map((_, i) => n + burst - i);
      const assertions = attempts.map((a, i) =>
        authenticator.assert(a.options, PASSKEY_ORIGIN, { counter: counters[i] }),
      );
      const results = await Promise.all(
        assertions.map((assertion, i) => signInWith(t, assertion, attempts[i].mfaToken)),
      );

      expect(results.map((r) => r.status).every((s) => s === 200 || s === 401)).toBe(true);
      const accepted = counters.filter((_, i) => results[i].status === 200).sort((a, b) => a - b);
      const refused = counters.filter((_, i) => results[i].status === 401);
      // The highest counter cannot lose, and the stored counter is the highest accepted one.
      expect(accepted).toContain(n + burst);
      expect(await storedCounter(t, passkey.credentialId)).toBe(n + burst);
      // In commit order each accepted counter is above the one before it; nothing else landed.
      const changes = (await committed(passkey)).slice(1);
      expect(changes.map(([, to]) => to)).toEqual(accepted);
      for (const [from, to] of changes) expect(to).toBeGreaterThan(from);
      // The refused ones lost to a higher counter, and failed like any refused assertion.
      for (const counter of refused) expect(counter).toBeLessThan(n + burst);
      expect(await failures(user, path)).toBe(refused.length);
    },
  );

  it('signs in again and again with a synced passkey whose counter stays 0, also concurrently', async () => {
    const { user, authenticator, passkey, credential } = await enrolled({
      counterStep: 0,
      backupEligible: true,
      backedUp: true,
    });
    for (const path of [...PATHS, ...PATHS]) {
      const next = await attempt(user, path);
      await signInWith(t, authenticator.assert(next.options, PASSKEY_ORIGIN), next.mfaToken).expect(
        200,
      );
    }
    const attempts = await Promise.all(PATHS.map((path) => attempt(user, path)));
    const results = await Promise.all(
      attempts.map((a) =>
        signInWith(t, authenticator.assert(a.options, PASSKEY_ORIGIN), a.mfaToken),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect(credential.counter).toBe(0);
    expect(await storedCounter(t, passkey.credentialId)).toBe(0);
    const changes = await committed(passkey);
    expect(changes).toHaveLength(7);
    expect(changes.every(([from, to]) => from === 0 && to === 0)).toBe(true);
    const [row] = await sql<{ backed_up: boolean; last_used_at: Date | null }>(
      t,
      'SELECT backed_up, last_used_at FROM passkeys WHERE id = $1',
      [passkey.id],
    );
    expect(row).toEqual({ backed_up: true, last_used_at: expect.any(Date) });
  });
});
