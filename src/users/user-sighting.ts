import { Column, PrimaryColumn } from 'typeorm';
import { BelongsToUser } from './belongs-to-user.decorator';
import type { UserEntity } from './user.entity';

/**
 * The columns of a table that remembers where an account was seen (known devices, known
 * networks): the account and a keyed fingerprint as the key, never the raw value, and when the
 * pair was first and last seen.
 */
export abstract class UserSighting {
  @PrimaryColumn({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @PrimaryColumn({ type: 'text' })
  fingerprint!: string;

  @BelongsToUser()
  user?: UserEntity;

  @Column({ name: 'first_seen_at', type: 'timestamptz', default: () => 'now()' })
  firstSeenAt!: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz', default: () => 'now()' })
  lastSeenAt!: Date;
}
