import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { generateTlsMaterial, type TlsMaterial } from '../../src/crypto/tls-material';

/** A message the server accepted, with what the session looked like when it did. */
export interface ReceivedMail {
  envelopeFrom: string;
  envelopeTo: string[];
  /** The user that authenticated (AUTH PLAIN or LOGIN), undefined if none. */
  user: string | undefined;
  /** The session ran over TLS (STARTTLS or implicit). */
  secure: boolean;
  tlsProtocol: string | undefined;
  parsed: ParsedMail;
  raw: Buffer;
  receivedAt: number;
}

export type SmtpStage = 'mail' | 'rcpt' | 'data';

interface Failure {
  stage: SmtpStage;
  code: number;
  message: string;
  remaining: number;
}

export interface TestSmtpServerOptions {
  /** smtps: TLS from the first byte instead of STARTTLS. */
  implicitTls?: boolean;
  /** false: never offer STARTTLS (a stripping attacker), while still accepting AUTH in clear. */
  offerStartTls?: boolean;
  /** user → password; default one user `mailer`. */
  users?: Record<string, string>;
}

export const SMTP_USER = 'mailer';
export const SMTP_PASSWORD = 'p@ss:w/rd with spaces';

let material: Promise<{ tls: TlsMaterial; caFile: string }> | undefined;

/** The test CA and a server certificate for 127.0.0.1/localhost, made once per test file. */
export function testTlsMaterial(): Promise<{ tls: TlsMaterial; caFile: string }> {
  material ??= generateTlsMaterial(['localhost'], ['127.0.0.1']).then((tls) => {
    const caFile = join(mkdtempSync(join(tmpdir(), 'snf-smtp-ca-')), 'ca.pem');
    writeFileSync(caFile, tls.caCert);
    return { tls, caFile };
  });
  return material;
}

/** A CA file that signed nothing this server presents: a client trusting only it must refuse. */
export async function foreignCaFile(): Promise<string> {
  const other = await generateTlsMaterial(['localhost'], ['127.0.0.1']);
  const file = join(mkdtempSync(join(tmpdir(), 'snf-smtp-foreign-')), 'ca.pem');
  writeFileSync(file, other.caCert);
  return file;
}

/**
 * A real SMTP server (the `smtp-server` package) on a free loopback port: STARTTLS (or implicit
 * TLS) with a certificate from a test CA, AUTH PLAIN/LOGIN required and only after TLS, every
 * accepted message parsed with `mailparser`. It can be stopped and restarted on the same port
 * (outages), made to answer 4xx/5xx on demand, and made to hold a message before accepting it.
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  /** Every RCPT TO the server saw, accepted or not, with its time (retry pacing). */
  readonly recipientAttempts: Array<{ to: string; at: number }> = [];
  authAttempts = 0;
  connections = 0;
  private server?: SMTPServer;
  private port = 0;
  private failures: Failure[] = [];
  private holdMs = 0;
  private readonly taken = new Set<ReceivedMail>();
  private readonly waiters: Array<() => void> = [];

  private constructor(
    private readonly options: TestSmtpServerOptions,
    readonly caFile: string,
    private readonly tls: TlsMaterial,
  ) {}

  static async start(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
    const { tls, caFile } = await testTlsMaterial();
    const server = new TestSmtpServer(options, caFile, tls);
    await server.listen();
    return server;
  }

  /** SMTP_URL for this server, credentials percent-encoded. */
  url(user = SMTP_USER, password = this.users[user] ?? SMTP_PASSWORD): string {
    const scheme = this.options.implicitTls ? 'smtps' : 'smtp';
    return `${scheme}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${this.port}`;
  }

  /** Resolves with the next message to `to` not handed out before. */
  async nextMessage(to: string, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mail = this.received.find((m) => !this.taken.has(m) && m.envelopeTo.includes(to));
      if (mail) {
        this.taken.add(mail);
        return mail;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  messagesTo(to: string): ReceivedMail[] {
    return this.received.filter((m) => m.envelopeTo.includes(to));
  }

  /** Answer `code` at `stage`, `times` times (default: until `succeed()`). */
  failWith(stage: SmtpStage, code: number, message: string, times = Infinity): void {
    this.failures.push({ stage, code, message, remaining: times });
  }

  succeed(): void {
    this.failures = [];
  }

  /** Wait this long after the message is received before accepting it. */
  holdMessages(ms: number): void {
    this.holdMs = ms;
  }

  /** An outage: the port refuses connections until `restart()`. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.listen(this.port);
  }

  private get users(): Record<string, string> {
    return this.options.users ?? { [SMTP_USER]: SMTP_PASSWORD };
  }

  private async listen(port = 0): Promise<void> {
    const server = new SMTPServer(this.serverOptions());
    server.on('error', () => undefined); // a client dropping mid-session is not a test failure
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as { port: number }).port;
  }

  private serverOptions(): SMTPServerOptions {
    const offerStartTls = this.options.offerStartTls ?? true;
    return {
      secure: this.options.implicitTls ?? false,
      key: this.tls.serverKey,
      cert: this.tls.serverCert,
      hideSTARTTLS: !offerStartTls,
      disabledCommands: offerStartTls ? [] : ['STARTTLS'],
      // A STARTTLS-stripping peer: not offered, and refused when tried (hiding it alone is not
      // enough: a client that requires TLS sends STARTTLS anyway). AUTH then works in clear.
      allowInsecureAuth: !offerStartTls,
      authMethods: ['PLAIN', 'LOGIN'],
      authOptional: false,
      logger: false,
      closeTimeout: 200,
      size: 1024 * 1024,
      onConnect: (_session, callback) => {
        this.connections++;
        callback();
      },
      onAuth: (auth, _session, callback) => {
        this.authAttempts++;
        if (this.users[auth.username ?? ''] === auth.password)
          callback(null, { user: auth.username });
        else
          callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      },
      onMailFrom: (_address, _session, callback) => callback(this.failure('mail')),
      onRcptTo: (address, _session, callback) => {
        this.recipientAttempts.push({ to: address.address, at: Date.now() });
        callback(this.failure('rcpt'));
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const failure = this.failure('data');
          if (failure) return callback(failure);
          setTimeout(() => void this.accept(Buffer.concat(chunks), session, callback), this.holdMs);
        });
      },
    };
  }

  private async accept(
    raw: Buffer,
    session: SMTPServerSession,
    callback: (error?: Error | null, message?: string) => void,
  ): Promise<void> {
    const parsed = await simpleParser(raw);
    this.received.push({
      envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      envelopeTo: session.envelope.rcptTo.map((r) => r.address),
      user: session.user as string | undefined,
      secure: session.secure,
      tlsProtocol: session.tlsOptions ? session.tlsOptions.version : undefined,
      parsed,
      raw,
      receivedAt: Date.now(),
    });
    callback(null, `2.0.0 Ok: queued as T${this.received.length}`);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private failure(stage: SmtpStage): Error | null {
    const failure = this.failures.find((f) => f.stage === stage && f.remaining > 0);
    if (!failure) return null;
    failure.remaining--;
    return Object.assign(new Error(failure.message), { responseCode: failure.code });
  }
}
