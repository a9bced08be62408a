import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../common/auth/role';
import type { User } from '../user.entity';

/** The only shape in which a user leaves the service: never a hash, a token or ciphertext. */
export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email', example: 'ada@example.org' }) email!: string;
  @ApiProperty({ example: 'ada_l' }) username!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty() isActive!: boolean;
  @ApiProperty({ description: 'The owner proved they receive mail at this address' })
  emailVerified!: boolean;
  @ApiProperty({ description: 'A second factor (TOTP or a passkey) is on' }) mfaEnabled!: boolean;
  @ApiProperty({ type: String, format: 'date', nullable: true, example: '1990-12-10' }) birthDate!:
    string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    role: user.role,
    isActive: user.isActive,
    emailVerified: user.emailVerified,
    mfaEnabled: user.mfaEnabled,
    birthDate: user.birthDate,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export class UserPageResponse {
  @ApiProperty({ type: [UserResponse] }) items!: UserResponse[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() limit!: number;
}
