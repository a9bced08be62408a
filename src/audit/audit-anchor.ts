import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Result } from 'ioredis';
import { AuditConfig } from '../config/config-sections';
import { digestsEqual, hmacSha256Hex } from '../crypto/digest';
import type { SecretRing } from '../crypto/secret-ring';
import { RedisConnection } from '../redis/redis-connection';
import { auditKeyRing, DEFAULT_AUDIT_KEY_ID } from './audit-keys';

/** The newest event of the chain as last seen committed: verify() insists it is still there. */
export interface ChainAnchor {
  seq: string;
  hash: string;
}

interface SignedAnchor extends ChainAnchor {
  mac: string;
  /** The audit key it was signed under; absent in anchors from before key ids ("a1"). */
  keyId?: string;
}

/** Moves the stored anchor forward only (KEYS: anchor; ARGV: seq, signed JSON). */
const ADVANCE_LUA = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(cjson.decode(current).seq) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2])
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    advanceAuditAnchor(key: string, seq: string, signed: string): Result<number, Context>;
  }
}

/**
 * The head of the audit chain, kept outside the database: HMAC-signed with AUDIT_HMAC_KEY, in
 * Redis when REDIS_URL is set (shared by every instance) and in LOG_DIR/audit-anchor.json. Someone
 * with database access alone can then delete the newest events, but verify() notices the anchored
 * event is gone. An anchor names its key, so one signed before a key rotation still verifies (the
 * Redis key is derived from the active key: after a rotation it starts afresh, the file carries the
 * old anchor until the next event). Written after each audited transaction commits (an anchor must never name a row
 * that rolled back); a write that fails is logged, never turned into a request failure.
 */
@Injectable()
export class AuditAnchor implements OnApplicationShutdown {
  private readonly logger = new Logger('AuditAnchor');
  private readonly file: string;
  private readonly redisKey: string;
  private pending?: ChainAnchor;
  private writing?: Promise<void>;
  private readonly keys: SecretRing;

  constructor(
    private readonly config: AuditConfig,
    private readonly redis: RedisConnection,
  ) {
    this.keys = auditKeyRing(config);
    this.file = join(config.anchorDir, 'audit-anchor.json');
    // One key per deployment (the key differs between deployments), never an address or a name.
    this.redisKey = `audit-anchor:${this.mac(this.keys.activeKey, 'redis-key').slice(0, 32)}`;
    redis.client?.defineCommand('advanceAuditAnchor', { numberOfKeys: 1, lua: ADVANCE_LUA });
  }

  /** Moves the anchor to `head`; an older head than the one stored is ignored. */
  record(head: ChainAnchor): void {
    const signed = JSON.stringify(this.sign(head));
    this.redis.client
      ?.advanceAuditAnchor(this.redisKey, head.seq, signed)
      .catch((error: unknown) =>
        this.redis.warn('Redis unavailable: audit anchor kept in LOG_DIR only', error),
      );
    if (!this.pending || BigInt(head.seq) >= BigInt(this.pending.seq)) this.pending = head;
    this.writing ??= this.flush();
  }

  /** A shutdown waits for the newest head to reach the file. */
  async onApplicationShutdown(): Promise<void> {
    await this.writing;
  }

  /** The newest anchor that verifies under AUDIT_HMAC_KEY, from Redis and the file; undefined if none. */
  async latest(): Promise<ChainAnchor | undefined> {
    await this.writing;
    const stored = await Promise.all([this.fromRedis(), this.fromFile()]);
    return stored
      .filter((anchor): anchor is SignedAnchor => anchor !== undefined && this.verifies(anchor))
      .map(({ seq, hash }) => ({ seq, hash }))
      .sort((a, b) => (BigInt(b.seq) > BigInt(a.seq) ? 1 : -1))[0];
  }

  /** Writes the newest pending head (write to a temporary file, then rename: never a torn file). */
  private async flush(): Promise<void> {
    try {
      while (this.pending) {
        const head = this.pending;
        this.pending = undefined;
        const onDisk = await this.fromFile();
        if (onDisk && BigInt(onDisk.seq) > BigInt(head.seq) && this.verifies(onDisk)) continue;
        await mkdir(this.config.anchorDir, { recursive: true, mode: 0o750 });
        const temporary = `${this.file}.${process.pid}.tmp`;
        await writeFile(temporary, JSON.stringify(this.sign(head)), { mode: 0o640 });
        await chmod(temporary, 0o640);
        await rename(temporary, this.file);
      }
    } catch (error) {
      this.logger.error({
        message: 'audit anchor could not be written to LOG_DIR',
        detail: error instanceof Error ? error.message : String(error),
      });
    } finally {
      this.writing = undefined;
    }
  }

  private async fromRedis(): Promise<SignedAnchor | undefined> {
    try {
      const raw = await this.redis.client?.get(this.redisKey);
      return raw ? parse(raw) : undefined;
    } catch (error) {
      this.redis.warn('Redis unavailable: audit anchor read from LOG_DIR only', error);
      return undefined;
    }
  }

  private async fromFile(): Promise<SignedAnchor | undefined> {
    try {
      return parse(await readFile(this.file, 'utf8'));
    } catch {
      return undefined; // no anchor written yet
    }
  }

  private sign(head: ChainAnchor): SignedAnchor {
    const mac = this.mac(this.keys.activeKey, `${head.seq}\n${head.hash}`);
    return { ...head, mac, keyId: this.keys.activeId };
  }

  private verifies(anchor: SignedAnchor): boolean {
    const key = this.keys.key(anchor.keyId ?? DEFAULT_AUDIT_KEY_ID);
    return (
      key !== undefined && digestsEqual(anchor.mac, this.mac(key, `${anchor.seq}\n${anchor.hash}`))
    );
  }

  private mac(key: KeyObject, text: string): string {
    return hmacSha256Hex(key, 'audit-anchor\n', text);
  }
}

function parse(text: string): SignedAnchor | undefined {
  try {
    const value = JSON.parse(text) as Partial<SignedAnchor>;
    const ok = [value.seq, value.hash, value.mac].every((part) => typeof part === 'string');
    return ok && /^\d+$/.test(value.seq as string) ? (value as SignedAnchor) : undefined;
  } catch {
    return undefined;
  }
}
