import { MailRenderer } from './mail-renderer';
import type { MailSettings } from './mail-settings';
import { MAIL_TEMPLATES, type MailData, type MailPurpose } from './templates/mail-templates';

const settings: MailSettings = {
  appUrl: 'https://app.example.org/base',
  appName: 'Example & Co',
  from: { name: 'Example & Co', address: 'no-reply@example.org' },
  messageIdDomain: 'example.org',
};

const at = new Date('2026-01-31T14:05:09Z');
const HOSTILE = '<script>alert("x")</script>';

/** One valid data set per purpose: adding a purpose without an entry here fails to compile. */
const SAMPLES: { [P in MailPurpose]: MailData<P> } = {
  'verify-email': { username: 'alice', token: 'tok-1', validFor: '24 hours' },
  'password-reset': { username: 'alice', token: 'tok-2', validFor: '30 minutes' },
  'password-changed': { username: 'alice', at },
  'email-change-confirm': { username: 'alice', token: 'tok-3', validFor: '24 hours' },
  'email-change-requested': { username: 'alice', at },
  'email-taken': { username: 'alice' },
  'registration-attempt': { username: 'alice', at },
  'new-signin': { username: 'alice', at, ip: '203.0.113.7', device: 'Firefox on Linux' },
  'mfa-enabled': { username: 'alice', at, method: 'an authenticator app' },
  'mfa-disabled': { username: 'alice', at, method: 'an authenticator app' },
  'mfa-failures': { username: 'alice', at },
  'mfa-reset': { username: 'alice', at },
  'identity-linked': { username: 'alice', at, provider: 'GitHub' },
};

/** The HTML as a browser reads an attribute or text: entities decoded. */
function decoded(html: string): string {
  return html
    .replace(/&#x3D;/g, '=')
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('MailRenderer', () => {
  const renderer = new MailRenderer(settings);

  it.each(Object.keys(MAIL_TEMPLATES) as MailPurpose[])(
    'renders %s: subject, text and HTML, with the app name',
    (purpose) => {
      const mail = renderer.render(purpose, SAMPLES[purpose]);
      expect(mail.subject).toContain('Example & Co');
      expect(mail.subject).not.toMatch(/[\r\n]/);
      expect(mail.text).toContain('Hello alice');
      expect(mail.text).toContain('https://app.example.org/base');
      expect(mail.html).toMatch(/^<!doctype html>/);
      expect(mail.html).toContain('Hello alice');
      // The app name is HTML text: its & is escaped in the HTML, and only there.
      expect(mail.html).toContain('Example &amp; Co');
      expect(mail.text).toContain('Example & Co');
    },
  );

  it('escapes data in the HTML part (a username like <script>) and leaves the text part plain', () => {
    const mail = renderer.render('new-signin', {
      username: HOSTILE,
      at,
      ip: '203.0.113.7',
      device: `Mozilla/5.0 "><img src=x onerror=alert(1)>`,
    });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(mail.html).toContain('&quot;&gt;&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;');
    // text/plain is not HTML: escaping it would show entities to the reader.
    expect(mail.text).toContain(`Hello ${HOSTILE}`);
  });

  it.each(Object.keys(MAIL_TEMPLATES) as MailPurpose[])(
    'never evaluates template syntax in a username (%s): shown literally, escaped in HTML',
    (purpose) => {
      const username =
        '{{appName}} {{{appUrl}}} {{#each x}}y{{/each}} <%= secret %> ${process.env}';
      const mail = renderer.render(purpose, { ...SAMPLES[purpose], username });
      expect(mail.text).toContain(`Hello ${username}`);
      expect(decoded(mail.html)).toContain(`Hello ${username}`);
      expect(mail.html).not.toContain('<%');
      // Expanded, {{appName}} would have put the app name where the username stands.
      expect(`${mail.text}${decoded(mail.html)}`).not.toContain('Hello Example & Co');
    },
  );

  it('builds one-time links from PUBLIC_APP_URL, with the token URL-encoded', () => {
    const cases: Array<[MailPurpose, string]> = [
      ['verify-email', '/verify-email'],
      ['password-reset', '/reset-password'],
      ['email-change-confirm', '/confirm-email'],
    ];
    for (const [purpose, path] of cases) {
      const mail = renderer.render(purpose, {
        username: 'alice',
        token: 'a+b/c=&d',
        validFor: '1 hour',
      } as never);
      const link = `https://app.example.org/base${path}#token=a%2Bb%2Fc%3D%26d`;
      expect(mail.link).toBe(link);
      expect(mail.text).toContain(link);
      expect(decoded(mail.html)).toContain(`href="${link}"`);
      // The token rides only in the fragment, which browsers send to no server.
      expect(`${mail.text}${decoded(mail.html)}`).not.toMatch(/[?&]token=/);
      // No other origin appears anywhere.
      const origins = [...`${mail.text}${decoded(mail.html)}`.matchAll(/https?:\/\/[^/\s"<]+/g)];
      expect(new Set(origins.map((m) => m[0]))).toEqual(new Set(['https://app.example.org']));
    }
  });

  it('registration-attempt: no one-time link, only PUBLIC_APP_URL, and the name escaped in HTML', () => {
    const mail = renderer.render('registration-attempt', { username: HOSTILE, at });
    expect(mail.link).toBeUndefined();
    expect(mail.html).not.toContain('<script>');
    expect(mail.text).toContain('2026-01-31 14:05 UTC');
    const hrefs = [...decoded(mail.html).matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(hrefs)).toEqual(new Set(['https://app.example.org/base']));
    const origins = [...`${mail.text}${decoded(mail.html)}`.matchAll(/https?:\/\/[^/\s"<]+/g)];
    expect(new Set(origins.map((m) => m[0]))).toEqual(new Set(['https://app.example.org']));
  });

  it('refuses a link mail without its token, and data missing a field', () => {
    expect(() =>
      renderer.render('verify-email', { username: 'a', validFor: '1h' } as never),
    ).toThrow(/token/);
    expect(() =>
      renderer.render('mfa-enabled', { username: 'a', at, method: undefined } as never),
    ).toThrow(/method/);
  });

  it('keeps a subject on one line whatever the data holds', () => {
    const mail = renderer.render('email-taken', { username: 'x\r\nBcc: evil@example.org' });
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('writes dates in UTC, one format', () => {
    const mail = renderer.render('password-changed', { username: 'alice', at });
    expect(mail.text).toContain('2026-01-31 14:05 UTC');
  });
});
