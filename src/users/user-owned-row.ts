import { Column, PrimaryGeneratedColumn } from 'typeorm';
import { BelongsToUser } from './belongs-to-user.decorator';
import type { UserEntity } from './user.entity';

/**
 * The columns every row an account owns by a random id starts with (sessions, link tokens,
 * passkeys, recovery codes): `id` (gen_random_uuid()), `user_id` and its relation.
 */
export abstract class UserOwnedRow {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @BelongsToUser()
  user?: UserEntity;
}
