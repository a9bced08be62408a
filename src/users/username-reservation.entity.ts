import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The table `username_reservations`: a lower-cased username held by a pending registration. */
@Entity({ name: 'username_reservations' })
@Index('username_reservations_expires_idx', ['expiresAt'])
@Check('username_reservations_username_check', 'username = lower(username)')
export class UsernameReservationEntity {
  @PrimaryColumn({
    type: 'text',
  })
  username!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
