import { Injectable } from '@nestjs/common';
import { Env } from '../../config/env.schema';

/** Who the passkeys belong to (WEBAUTHN_RP_ID) and where ceremonies may run (WEBAUTHN_ORIGINS). */
@Injectable()
export class RelyingParty {
  readonly id: string;
  readonly name: string;
  readonly origins: string[];

  constructor(env: Env) {
    this.id = env.webauthnRpId;
    this.origins = env.webauthnOrigins;
    this.name = new URL(env.PUBLIC_APP_URL).host;
  }
}

/** The WebAuthn user handle: the account id's 16 bytes (no e-mail address or name in it). */
export function userHandleOf(userId: string): Buffer {
  return Buffer.from(userId.replace(/-/g, ''), 'hex');
}
