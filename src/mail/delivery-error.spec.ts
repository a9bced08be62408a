import { classifyDeliveryError, safeLine } from './delivery-error';
import { MailWorkerOptions } from './mail-worker.options';

function smtpError(code: string, command: string, response: string): Error {
  return Object.assign(new Error(`${command} failed: ${response}`), {
    code,
    command,
    response,
    responseCode: Number(response.slice(0, 3)),
  });
}

describe('classifyDeliveryError', () => {
  it('gives up at once only when the server refuses the recipient for good', () => {
    expect(
      classifyDeliveryError(smtpError('EENVELOPE', 'RCPT TO', '550 5.1.1 no such user')),
    ).toMatchObject({ permanent: true });
  });

  it.each([
    ['a temporary refusal', smtpError('EENVELOPE', 'RCPT TO', '451 4.3.0 try later')],
    [
      'a refused login (configuration)',
      smtpError('EAUTH', 'AUTH PLAIN', '535 5.7.8 bad credentials'),
    ],
    [
      'a refused sender (configuration)',
      smtpError('EENVELOPE', 'MAIL FROM', '553 5.7.1 not yours'),
    ],
    ['a refused message', smtpError('EMESSAGE', 'DATA', '554 5.7.1 policy')],
    ['a connection error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ESOCKET' })],
    ['anything else', 'weird'],
  ])('retries %s', (_name, error) => {
    expect(classifyDeliveryError(error).permanent).toBe(false);
  });
});

describe('classifyDeliveryError: TLS refusals', () => {
  it.each([
    [
      'a certificate from another CA',
      Object.assign(new Error('unable to verify the first certificate'), { code: 'ESOCKET' }),
    ],
    [
      'a self-signed certificate',
      Object.assign(new Error('self-signed certificate'), { code: 'ESOCKET' }),
    ],
    [
      'a name the certificate does not carry',
      Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
        code: 'ESOCKET',
      }),
    ],
    [
      'no STARTTLS offered',
      Object.assign(new Error('Server does not support STARTTLS'), { code: 'ETLS' }),
    ],
  ])('marks %s as a TLS refusal', (_, error) => {
    expect(classifyDeliveryError(error)).toMatchObject({ tls: true, permanent: false });
  });

  it.each([
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:587'), { code: 'ESOCKET' }),
    ],
    ['a refused login', smtpError('EAUTH', 'AUTH PLAIN', '535 5.7.8 bad credentials')],
    ['a refused recipient', smtpError('EENVELOPE', 'RCPT TO', '550 5.1.1 no such user')],
  ])('does not mark %s as one', (_, error) => {
    expect(classifyDeliveryError(error).tls).toBe(false);
  });
});

describe('safeLine', () => {
  it('keeps one bounded line without link tokens', () => {
    const line = safeLine(
      '554 rejected:\r\nhttps://app.example.org/reset-password?token=SECRET123 listed; token=SECRET456',
    );
    expect(line).not.toMatch(/SECRET|[\r\n]/);
    expect(line).toContain('https://app.example.org/reset-password?…');
    expect(safeLine('x'.repeat(5000))).toHaveLength(500);
  });
});

describe('MailWorkerOptions.retryDelayMs', () => {
  it('doubles from the base up to the cap', () => {
    const options = new MailWorkerOptions({ retryBaseMs: 1000, retryMaxMs: 10_000 });
    expect([1, 2, 3, 4, 5].map((attempt) => options.retryDelayMs(attempt))).toEqual([
      1000, 2000, 4000, 8000, 10_000,
    ]);
  });

  it('defaults: 8 tries spread over about an hour, a lease far above one send', () => {
    const options = new MailWorkerOptions();
    const total = [1, 2, 3, 4, 5, 6, 7].reduce((sum, a) => sum + options.retryDelayMs(a), 0);
    expect(total).toBe(127 * 30_000); // 63.5 minutes between the first and the eighth try
    expect(options.leaseMs).toBeGreaterThanOrEqual(4 * options.maxSendMs);
  });
});
