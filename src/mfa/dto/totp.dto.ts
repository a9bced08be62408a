import { ApiProperty } from '@nestjs/swagger';
import { TotpCode } from '../../common/dto/proof-fields';

export class ConfirmTotpDto {
  @TotpCode() code!: string;
}

export class TotpSetupResponse {
  @ApiProperty({
    description: 'The base32 secret, for typing into an app',
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
  })
  secret!: string;

  @ApiProperty({
    description: 'otpauth://totp/… URI (SHA1, 6 digits, 30 s) for a QR code; issuer: JWT_ISSUER',
    example:
      'otpauth://totp/secure-nest-foundation:ada%40example.org?issuer=secure-nest-foundation&secret=…',
  })
  otpauthUri!: string;

  @ApiProperty({ description: 'The otpauthUri as an SVG QR code, for a UI to inline' })
  qrSvg!: string;
}

export class RecoveryCodesResponse {
  @ApiProperty({
    type: [String],
    description: 'Ten single-use recovery codes, shown this once',
    example: ['7k2m-q9xd-4hce-vb8p-0tnw'],
  })
  recoveryCodes!: string[];
}
