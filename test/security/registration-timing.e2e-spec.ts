import request from 'supertest';
import { settleAll } from '../lifecycle/lifecycle-helpers';
import { newUser, sql } from '../support/auth-helpers';
import type { TestApp } from '../support/test-app';
import { answerShape, startSecurityApp, timeInterleaved } from './security-helpers';

/**
 * Account enumeration through POST /api/auth/register with REQUIRE_VERIFIED_EMAIL=true: a new and
 * a taken address get the same status, headers and body, in the same time. Both reserve the
 * username and hash the password (BCRYPT_ROUNDS 10, so that bcrypt dominates as it does in
 * production) and are answered; only then is the address looked up and written to (the new address
 * really does get an account, the taken one an attempt mail). No mail relay: mail goes to
 * DATA_DIR/mail, which changes nothing for the request path (the mail is queued, never sent inline).
 */

const TRIES = 40;
/** As the login and forgot enumeration specs: the medians may differ by less than 50 %. */
const MAX_MEDIAN_RATIO = 1.5;

describe('register does not reveal whether an address has an account', () => {
  let t: TestApp;
  const taken: string[] = [];

  beforeAll(async () => {
    t = await startSecurityApp({ BCRYPT_ROUNDS: '10', REQUIRE_VERIFIED_EMAIL: 'true' });
    // A fresh taken address per try: the per-address mail quota (3 an hour) must not be what differs.
    for (let i = 0; i < TRIES + 1; i++) {
      const account = newUser();
      await request(t.url).post('/api/auth/register').send(account).expect(202);
      taken.push(account.email);
    }
  }, 60_000);
  afterAll(() => t.close());

  const outboxByPurpose = async (): Promise<Record<string, number>> =>
    Object.fromEntries(
      (
        await sql<{ purpose: string; count: number }>(
          t,
          'SELECT purpose, count(*)::int AS count FROM mail_outbox GROUP BY purpose',
        )
      ).map((row) => [row.purpose, row.count]),
    );

  let k = 0;
  /** A fresh username every time: a reserved or taken one would be a 409 before any of this. */
  const attempt = (which: 'taken' | 'new'): request.Test =>
    request(t.url)
      .post('/api/auth/register')
      .set('User-Agent', 'registration-timing-spec')
      .send({ ...newUser(), ...(which === 'taken' ? { email: taken[k++] } : {}) });

  it('answers both with the same status, headers and body', async () => {
    const shapes = [];
    for (const which of ['taken', 'new'] as const) shapes.push(answerShape(await attempt(which)));
    expect(shapes[0].status).toBe(202);
    expect(shapes[1]).toEqual(shapes[0]);
  });

  it(`takes the same time (medians of ${TRIES} interleaved tries within ${MAX_MEDIAN_RATIO}x)`, async () => {
    await settleAll(t); // the shape test's registrations write after their answers
    const mailsBefore = await outboxByPurpose();
    const { medians, ratio, z } = await timeInterleaved(
      ['taken', 'new'] as const,
      TRIES,
      attempt,
      () => settleAll(t),
      202,
    );
    process.stdout.write(
      `register medians (ms): taken ${medians.taken.toFixed(2)}, new ${medians.new.toFixed(2)}, ratio ${ratio.toFixed(2)}; Mann–Whitney z (taken vs new) ${z.toFixed(2)}\n`,
    );
    expect(ratio).toBeLessThan(MAX_MEDIAN_RATIO);
    // A rank check on top (as the forgot spec): taken-address answers must not be systematically
    // slower or faster. Measured: ratio 1.01, |z| 0.6. Answering a taken address before hashing
    // shows at once: ratio ~5, z -7.7 at 40 tries (every taken try faster than every new one); so
    // did a 3 % gap (z -3.6 under CI's load) while the account's rows were written before the answer.
    expect(Math.abs(z)).toBeLessThan(3);

    // The work really happened: attempt mails for the taken addresses, accounts (and their
    // verification mails) for the new ones, TRIES of each during this test (whether or not the
    // shape test's pair came before).
    const mails = await outboxByPurpose();
    expect(mails).toEqual({
      'registration-attempt': (mailsBefore['registration-attempt'] ?? 0) + TRIES,
      'verify-email': (mailsBefore['verify-email'] ?? 0) + TRIES,
    });
    expect(mailsBefore['verify-email']).toBeGreaterThanOrEqual(TRIES + 1); // beforeAll's accounts
  }, 120_000);
});
