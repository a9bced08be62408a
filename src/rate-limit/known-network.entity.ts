import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { BelongsToUser } from '../users/belongs-to-user.decorator';
import { UserEntity } from '../users/user.entity';

/** The table `known_networks`: the networks an account signed in from, as an HMAC of (user, network), never a raw address. */
@Entity({ name: 'known_networks' })
@Check('known_networks_fingerprint_check', `fingerprint ~ ${SHA256_HEX_PATTERN}`)
export class KnownNetworkEntity {
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
