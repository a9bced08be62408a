import { JoinColumn, ManyToOne } from 'typeorm';
import { UserEntity } from './user.entity';

/**
 * The `user` relation of a table whose `user_id` references the account, deleted with it
 * (ON DELETE CASCADE). The `userId` column itself stays on the entity: it is a primary key in
 * some tables and nullable in one.
 */
export function BelongsToUser(options: { nullable?: boolean } = {}): PropertyDecorator {
  const relation = ManyToOne(() => UserEntity, {
    onDelete: 'CASCADE',
    nullable: options.nullable ?? false,
  });
  const column = JoinColumn({ name: 'user_id' });
  return (target, property) => {
    relation(target, property);
    column(target, property);
  };
}
