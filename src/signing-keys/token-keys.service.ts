import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { TokensConfig } from '../config/config-sections';
import { FieldCipher, type FieldLocation } from '../crypto/field-cipher.service';
import { randomSecret } from '../crypto/random';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import {
  asymmetricKey,
  newPrivateKeyPem,
  sharedSecretKey,
  type AsymmetricAlgorithm,
  type PublishedJwk,
  type TokenKey,
} from './key-material';
import {
  keyScheduleAt,
  type KeySchedule,
  type RevokedKey,
  type ScheduledKey,
} from './key-schedule';
import type { SigningKeyEntity } from './signing-key.entity';
import { SigningKeyRepository } from './signing-key.repository';

/** How often each instance reads the keys again (a revoked key stops verifying within this). */
export const KEY_REFRESH_MS = 10_000;
/** How often each instance checks whether the next key is due. */
const ROTATION_CHECK_MS = 60_000;
/**
 * A token naming a kid this instance does not hold makes it read the table again before answering
 * (a key another instance made moments ago), at most this often; requests meanwhile share the read.
 */
const UNKNOWN_KID_REFRESH_MS = 1_000;

export type RotationReason = 'schedule' | 'operator' | 'compromised' | 'algorithm';

export interface RotationResult {
  /** The key made now, or the pending one that was already waiting (then `created` is false). */
  kid: string;
  signsFrom: Date;
  created: boolean;
  /** With `compromised`: the key revoked and how many sessions ended with it. */
  revokedKid?: string;
  sessionsRevoked?: number;
}

type LoadedKey = TokenKey & ScheduledKey;

/**
 * The access-token keys. With HS256, the one key derived from JWT_SECRET. With EdDSA or ES256, the
 * keys in `signing_keys`: each instance holds them decrypted, as KeyObjects built once per key, and
 * reads the table again every KEY_REFRESH_MS. Which key signs is decided by the rows' start times
 * against the database's clock, so instances agree without talking to each other; a successor is
 * made (under an advisory lock, by whichever instance gets there first) JWT_KEY_PUBLISH_AHEAD before
 * it starts, so verifiers caching the JWKS for 300 s have seen it before any token names it.
 */
@Injectable()
export class TokenKeys implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('SigningKeys');
  private readonly shared: TokenKey | undefined;
  private keys: LoadedKey[] = [];
  /** Revoked keys' times: they bound their predecessors' turns (key-schedule.ts). */
  private revoked: RevokedKey[] = [];
  private readonly decrypted = new Map<string, LoadedKey>();
  /** The database's clock minus this process's, from the last read. */
  private clockOffsetMs = 0;
  private lastUnknownRefresh = 0;
  private unknownKidRead: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly config: TokensConfig,
    private readonly rows: SigningKeyRepository,
    private readonly cipher: FieldCipher,
    private readonly tx: Transactions,
    private readonly audit: AuditService,
    private readonly sessions: SessionsService,
  ) {
    if (config.algorithm === 'HS256') {
      if (!config.secret) throw new Error('JWT_SECRET is required with JWT_ALGORITHM=HS256');
      this.shared = sharedSecretKey(config.secret);
    }
  }

  get asymmetric(): boolean {
    return this.shared === undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.asymmetric) return;
    await this.ensureSigningKey();
    // unref'd: key upkeep never keeps a process (a CLI command, a test) alive.
    this.timers.push(
      setInterval(() => void this.refreshAndLog(), KEY_REFRESH_MS).unref(),
      setInterval(() => void this.rotateIfDueAndLog(), ROTATION_CHECK_MS).unref(),
    );
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** The key that signs a token now. */
  signingKey(): TokenKey {
    if (this.shared) return this.shared;
    const { signing } = this.schedule();
    if (!signing) throw new Error('no signing key is active (the key table has not been read)');
    return signing;
  }

  /** The key named `kid`, if it may verify a live token; undefined for unknown, retired or revoked. */
  verificationKey(kid: unknown): TokenKey | undefined {
    if (this.shared) return kid === this.shared.kid ? this.shared : undefined;
    if (typeof kid !== 'string') return undefined;
    return this.schedule().published.find(({ key }) => key.kid === kid)?.key;
  }

  /**
   * verificationKey(), reading the table once more first when `kid` is not held: a key another
   * instance made (first start, JWT_KEY_PUBLISH_AHEAD shorter than KEY_REFRESH_MS) verifies at
   * once. A flood of made-up kids costs at most one read per UNKNOWN_KID_REFRESH_MS.
   */
  async verificationKeyOrReread(kid: unknown): Promise<TokenKey | undefined> {
    const held = this.verificationKey(kid);
    if (held || !this.asymmetric || typeof kid !== 'string') return held;
    await this.rereadForUnknownKid();
    return this.verificationKey(kid);
  }

  /** The public keys that may verify a live token (none with HS256). */
  jwks(): { keys: PublishedJwk[] } {
    if (this.shared) return { keys: [] };
    return { keys: this.schedule().published.flatMap(({ key }) => (key.jwk ? [key.jwk] : [])) };
  }

  /** Reads the keys again, decrypting only those not seen before. */
  async refresh(): Promise<void> {
    const { rows, revoked, now } = await this.rows.live();
    this.clockOffsetMs = now.getTime() - Date.now();
    this.keys = rows.map((row) => this.loaded(row));
    this.revoked = revoked;
    for (const kid of this.decrypted.keys())
      if (!rows.some((row) => row.kid === kid)) this.decrypted.delete(kid);
  }

  /**
   * Makes the next key, to sign JWT_KEY_PUBLISH_AHEAD from now (`rotate-signing-key`), unless one
   * is already waiting to sign.
   */
  rotate(reason: 'operator' | 'schedule'): Promise<RotationResult> {
    return this.changeKeys(async (schedule) => {
      const waiting = schedule.pending[0];
      if (waiting)
        return { kid: waiting.kid, signsFrom: new Date(waiting.signsFrom), created: false };
      if (reason === 'schedule' && schedule.signing && !this.due(schedule.signing))
        return undefined;
      // With no key signing at all there is nothing to overlap with: the new key signs at once.
      const key = await this.addKey(schedule.signing ? this.config.publishAheadSeconds : 0);
      return this.rotated(key, reason, schedule.signing?.kid);
    });
  }

  /**
   * `rotate-signing-key --compromised`: the signing key is revoked now, a new one signs at once,
   * and every session that has held a token from the revoked key ends (each instance stops
   * accepting the key within KEY_REFRESH_MS; the ended sessions fail on the next request anywhere).
   */
  revokeCompromised(): Promise<RotationResult> {
    return this.changeKeys(async (schedule) => {
      const compromised = schedule.signing;
      if (!compromised) throw new Error('no key is signing');
      await this.rows.revoke(compromised.kid);
      const sessionsRevoked = await this.sessions.revokeTokenHoldersSince(
        new Date(compromised.signsFrom),
      );
      const key = await this.addKey(0);
      return this.rotated(key, 'compromised', compromised.kid, { sessionsRevoked });
    });
  }

  /** At start: a key of JWT_ALGORITHM signs (the first start, or after the algorithm changed). */
  private async ensureSigningKey(): Promise<void> {
    await this.changeKeys(async (schedule) => {
      if (schedule.signing?.algorithm === this.config.algorithm) return undefined;
      const key = await this.addKey(0);
      return this.rotated(key, 'algorithm', schedule.signing?.kid);
    });
  }

  /** One key change: under the lock, on a fresh read, in one transaction with its audit event. */
  private async changeKeys(
    change: (schedule: KeySchedule<LoadedKey>) => Promise<RotationResult | undefined>,
  ): Promise<RotationResult> {
    if (!this.asymmetric) throw new Error('HS256 signs with JWT_SECRET: there is no key to rotate');
    const result = await this.tx.run(async () => {
      await this.rows.lock();
      await this.refresh();
      return change(this.schedule());
    });
    await this.refresh();
    const { signing } = this.schedule();
    return result ?? { kid: signing!.kid, signsFrom: new Date(signing!.signsFrom), created: false };
  }

  private async addKey(delaySeconds: number): Promise<SigningKeyEntity> {
    const kid = randomSecret(16);
    const algorithm = this.config.algorithm as AsymmetricAlgorithm;
    const privateKey = this.cipher.encrypt(newPrivateKeyPem(algorithm), locationOf(kid));
    return this.rows.insert({ kid, algorithm, privateKey }, delaySeconds);
  }

  private async rotated(
    key: SigningKeyEntity,
    reason: RotationReason,
    previousKid: string | undefined,
    extra: { sessionsRevoked?: number } = {},
  ): Promise<RotationResult> {
    await this.audit.record({
      type: 'security.signing_key.rotated',
      metadata: {
        kid: key.kid,
        algorithm: key.algorithm,
        signsFrom: key.signsFrom.toISOString(),
        previousKid: previousKid ?? null,
        reason,
        ...extra,
      },
    });
    const revoked = reason === 'compromised' ? { revokedKid: previousKid } : {};
    return { kid: key.kid, signsFrom: key.signsFrom, created: true, ...revoked, ...extra };
  }

  /** The successor is due JWT_KEY_PUBLISH_AHEAD before the signing key has served JWT_KEY_ROTATION. */
  private due(signing: LoadedKey): boolean {
    const { rotationSeconds, publishAheadSeconds } = this.config;
    const dueAt = signing.signsFrom + (rotationSeconds - publishAheadSeconds) * 1000;
    return this.now() >= dueAt;
  }

  private schedule(): KeySchedule<LoadedKey> {
    return keyScheduleAt(this.keys, this.now(), this.config.accessTtlSeconds * 1000, this.revoked);
  }

  private now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  private loaded(row: SigningKeyEntity): LoadedKey {
    const known = this.decrypted.get(row.kid);
    if (known) return known;
    let pem: string;
    try {
      pem = this.cipher.decrypt(row.privateKey, locationOf(row.kid));
    } catch {
      // The usual cause: ENCRYPTION_KEYS lost the key the row was written under before `reencrypt`.
      throw new Error(
        `signing key ${row.kid} cannot be decrypted with ENCRYPTION_KEYS (it was encrypted under key id ${this.cipher.keyIdOf(row.privateKey)})`,
      );
    }
    const key = {
      ...asymmetricKey(row.kid, row.algorithm, pem),
      signsFrom: row.signsFrom.getTime(),
      revoked: false,
    };
    this.decrypted.set(row.kid, key);
    return key;
  }

  private rereadForUnknownKid(): Promise<void> {
    if (this.unknownKidRead) return this.unknownKidRead;
    if (Date.now() - this.lastUnknownRefresh < UNKNOWN_KID_REFRESH_MS) return Promise.resolve();
    this.lastUnknownRefresh = Date.now();
    // Quiet on failure: the periodic read logs a database outage, and a kid flood must not.
    this.unknownKidRead = this.refresh()
      .catch(() => undefined)
      .finally(() => (this.unknownKidRead = undefined));
    return this.unknownKidRead;
  }

  private async refreshAndLog(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      // The keys already read keep signing and verifying while the database is away.
      this.logger.warn({
        message: 'signing keys not re-read; the ones held stay in use',
        event: 'signing_keys.refresh_failed',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async rotateIfDueAndLog(): Promise<void> {
    try {
      const result = await this.rotate('schedule');
      if (result.created)
        this.logger.log({
          message: 'next signing key published',
          event: 'security.signing_key.rotated',
          kid: result.kid,
          signsFrom: result.signsFrom.toISOString(),
        });
    } catch (error) {
      this.logger.warn({
        message: 'signing key rotation check failed; the next check runs in a minute',
        event: 'signing_keys.rotation_failed',
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/** The AAD of a private key: its table, column and `kid`. */
function locationOf(kid: string): FieldLocation {
  return { table: 'signing_keys', column: 'private_key', rowId: kid };
}
