import { AuditEventEntity } from '../audit/audit-event.entity';
import { AccountTokenEntity } from '../account/account-token.entity';
import { KnownDeviceEntity } from '../sign-in/known-device.entity';
import { OutboxMessageEntity } from '../mail/outbox-message.entity';
import { MfaChallengeEntity } from '../sessions/mfa-challenge.entity';
import { PasskeyEntity } from '../mfa/passkeys/passkey.entity';
import { WebauthnChallengeEntity } from '../mfa/passkeys/webauthn-challenge.entity';
import { RecoveryCodeEntity } from '../mfa/recovery-code.entity';
import { TotpEntity } from '../mfa/totp.entity';
import { KnownNetworkEntity } from '../rate-limit/known-network.entity';
import { RefreshTokenEntity } from '../sessions/refresh-token.entity';
import { SessionEntity } from '../sessions/session.entity';
import { SigningKeyEntity } from '../signing-keys/signing-key.entity';
import { UserIdentityEntity } from '../users/user-identity.entity';
import { UserEntity } from '../users/user.entity';
import { ProviderSignInCodeEntity } from '../sign-in/providers/provider-sign-in-code.entity';
import { ProviderSpentStateEntity } from '../sign-in/providers/provider-spent-state.entity';
import { UsernameReservationEntity } from '../users/username-reservation.entity';

/**
 * Every table the migrations create, as an entity (TypeORM's own `migrations` table aside). A list
 * of classes rather than a glob: the same import works from ts sources under jest and from dist/.
 * The schema itself changes only by migration; test/database/schema-agreement.e2e-spec.ts fails
 * when this list and the migrated schema disagree.
 */
export const ENTITIES = [
  UserEntity,
  UsernameReservationEntity,
  SessionEntity,
  RefreshTokenEntity,
  AuditEventEntity,
  OutboxMessageEntity,
  AccountTokenEntity,
  KnownDeviceEntity,
  KnownNetworkEntity,
  TotpEntity,
  RecoveryCodeEntity,
  MfaChallengeEntity,
  PasskeyEntity,
  WebauthnChallengeEntity,
  SigningKeyEntity,
  UserIdentityEntity,
  ProviderSignInCodeEntity,
  ProviderSpentStateEntity,
];
