import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, ValidateIf } from 'class-validator';
import { ROLES, type Role } from '../../common/auth/role';
import { ProofsDto } from '../../common/dto/proofs.dto';

/** A role change is a sensitive operation for the admin: the proofs ride along. */
export class AdminUpdateUserDto extends ProofsDto {
  @ApiPropertyOptional({
    description: 'false deactivates the account: effective on its next request',
  })
  @ValidateIf((_, value) => value !== undefined) // absent = unchanged; null is refused
  @IsBoolean()
  isActive?: boolean;

  @ApiPropertyOptional({ enum: ROLES })
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role?: Role;
}
