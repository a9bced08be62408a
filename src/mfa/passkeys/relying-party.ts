import { Injectable } from '@nestjs/common';
import { WebAuthnConfig } from '../../config/config-sections';

/** Who the passkeys belong to (WEBAUTHN_RP_ID) and where ceremonies may run (WEBAUTHN_ORIGINS). */
@Injectable()
export class RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origins: string[];

  constructor(config: WebAuthnConfig) {
    this.id = config.rpId;
    this.origins = [...config.origins];
    this.name = config.rpName;
  }
}

/** The WebAuthn user handle: the account id's 16 bytes (no e-mail address or name in it). */
export function userHandleOf(userId: string): Buffer {
  return Buffer.from(userId.replace(/-/g, ''), 'hex');
}
