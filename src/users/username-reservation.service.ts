import { ConflictException, Injectable } from '@nestjs/common';
import { UsernameReservationRepository } from './username-reservation.repository';
import { USERNAME_TAKEN } from './users.service';

/**
 * Usernames held by registrations that do not say whether their address was taken: the name is
 * reserved before the address is looked up, so it ends up taken whichever way the address went.
 */
@Injectable()
export class UsernameReservationService {
  constructor(private readonly reservations: UsernameReservationRepository) {}

  /**
   * One statement, committed before the address is looked up: holds `username` for `ttlSeconds`,
   * or 409 while an account has it or a live reservation holds it.
   */
  async reserve(username: string, ttlSeconds: number): Promise<void> {
    if (!(await this.reservations.reserve(username, ttlSeconds)))
      throw new ConflictException(USERNAME_TAKEN);
  }

  /** Housekeeping on the registration path; call it outside any transaction (see the repository). */
  sweepExpired(): Promise<void> {
    return this.reservations.sweepExpired();
  }
}
