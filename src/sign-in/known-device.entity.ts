import { Check, Entity } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { UserSighting } from '../users/user-sighting';

/** The table `known_devices`: where an account signed in from, as an HMAC of (user, user agent, network), never a raw address. */
@Entity({ name: 'known_devices' })
@Check('known_devices_fingerprint_check', `fingerprint ~ ${SHA256_HEX_PATTERN}`)
export class KnownDeviceEntity extends UserSighting {}
