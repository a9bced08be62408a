import { Check, Entity } from 'typeorm';
import { SHA256_HEX_PATTERN } from '../database/check-patterns';
import { UserSighting } from '../users/user-sighting';

/** The table `known_networks`: the networks an account signed in from, as an HMAC of (user, network), never a raw address. */
@Entity({ name: 'known_networks' })
@Check('known_networks_fingerprint_check', `fingerprint ~ ${SHA256_HEX_PATTERN}`)
export class KnownNetworkEntity extends UserSighting {}
