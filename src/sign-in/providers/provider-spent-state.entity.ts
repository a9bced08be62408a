import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../../database/check-patterns';

/**
 * The table `provider_spent_states`: the SHA-256 of every `state` a provider callback has used, kept
 * until its flow cookie would have expired, so a flow cookie is good for one callback only.
 */
@Entity({ name: 'provider_spent_states' })
@Index('provider_spent_states_expires_idx', ['expiresAt'])
@Check('provider_spent_states_state_hash_check', `state_hash ~ ${SHA256_HEX_PATTERN}`)
export class ProviderSpentStateEntity {
  @PrimaryColumn({ name: 'state_hash', type: 'text' })
  stateHash!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
