import { ConflictException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Secret, TOTP } from 'otpauth';
import { FieldCipher } from '../crypto/field-cipher.service';
import { KEYRING, Keyring } from '../crypto/keyring';
import { TotpRepository } from './totp.repository';
import { TotpService, totpSecretLocation } from './totp.service';
import { matchingStep } from './totp-codes';

const USER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';
const codeFor = (secret: string, timestamp: number): string =>
  new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: 30,
  }).generate({
    timestamp,
  });

describe('TotpService', () => {
  let service: TotpService;
  let cipher: FieldCipher;
  const repo = {
    savePending: jest.fn(),
    find: jest.fn(),
    useStep: jest.fn(),
    remove: jest.fn(),
  };

  beforeEach(async () => {
    jest.resetAllMocks();
    const module = await Test.createTestingModule({
      providers: [
        TotpService,
        FieldCipher,
        { provide: KEYRING, useValue: new Keyring([{ id: 'k1', key: Buffer.alloc(32, 3) }]) },
        { provide: TotpRepository, useValue: repo },
      ],
    }).compile();
    service = module.get(TotpService);
    cipher = module.get(FieldCipher);
  });

  it('stores a new secret only as ciphertext bound to the user, and returns URI and QR code', async () => {
    repo.savePending.mockResolvedValue(true);
    const enrolment = await service.begin(USER, 'app.example.org', 'ada@example.org');
    const [userId, stored] = repo.savePending.mock.calls[0] as [string, string];
    expect(userId).toBe(USER);
    expect(stored).not.toContain(enrolment.secret);
    expect(cipher.decrypt(stored, totpSecretLocation(USER))).toBe(enrolment.secret);
    expect(() => cipher.decrypt(stored, totpSecretLocation('another-user'))).toThrow();
    expect(enrolment.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(enrolment.otpauthUri).toContain(`secret=${enrolment.secret}`);
    expect(enrolment.otpauthUri).toContain('issuer=app.example.org');
    expect(enrolment.qrSvg.startsWith('<svg')).toBe(true);
  });

  it('refuses a second set-up while a confirmed authenticator exists', async () => {
    repo.savePending.mockResolvedValue(false);
    await expect(service.begin(USER, 'i', 'l')).rejects.toBeInstanceOf(ConflictException);
  });

  it('records the matching time step and leaves replay refusal to the conditional update', async () => {
    const secret = new Secret({ size: 20 }).base32;
    repo.find.mockResolvedValue({
      secret: cipher.encrypt(secret, totpSecretLocation(USER)),
      confirmed: true,
    });
    repo.useStep.mockResolvedValueOnce(true).mockResolvedValueOnce(false);
    const code = codeFor(secret, Date.now());
    await expect(service.accept(USER, code)).resolves.toBe(true);
    await expect(service.accept(USER, code)).resolves.toBe(false);
    const [[, step, confirming]] = repo.useStep.mock.calls as Array<[string, number, boolean]>;
    expect(Math.abs(step - Math.floor(Date.now() / 30_000))).toBeLessThanOrEqual(1);
    expect(confirming).toBe(false);
  });

  it('accepts a pending secret only while confirming, and a confirmed one only otherwise', async () => {
    const secret = new Secret({ size: 20 }).base32;
    const code = codeFor(secret, Date.now());
    repo.find.mockResolvedValue({
      secret: cipher.encrypt(secret, totpSecretLocation(USER)),
      confirmed: false,
    });
    await expect(service.accept(USER, code)).resolves.toBe(false);
    expect(repo.useStep).not.toHaveBeenCalled();
    repo.useStep.mockResolvedValue(true);
    await expect(service.accept(USER, code, true)).resolves.toBe(true);
    expect(repo.useStep).toHaveBeenCalledWith(USER, expect.any(Number), true);
  });

  it('has no code without an authenticator', async () => {
    repo.find.mockResolvedValue(undefined);
    await expect(service.accept(USER, '123456')).resolves.toBe(false);
  });

  it('refuses a wrong code without recording any step', async () => {
    const secret = new Secret({ size: 20 }).base32;
    repo.find.mockResolvedValue({
      secret: cipher.encrypt(secret, totpSecretLocation(USER)),
      confirmed: true,
    });
    const right = codeFor(secret, Date.now());
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    await expect(service.accept(USER, wrong)).resolves.toBe(false);
    expect(repo.useStep).not.toHaveBeenCalled();
  });

  it("refuses to use a secret that was moved to another user's row", async () => {
    const secret = new Secret({ size: 20 }).base32;
    repo.find.mockResolvedValue({
      secret: cipher.encrypt(secret, totpSecretLocation('another-user')),
      confirmed: true,
    });
    await expect(service.accept(USER, codeFor(secret, Date.now()))).rejects.toThrow();
    expect(repo.useStep).not.toHaveBeenCalled();
  });

  it('is enabled only once confirmed, pending only before, and neither without a secret', async () => {
    repo.find.mockResolvedValue(undefined);
    await expect(service.isEnabled(USER)).resolves.toBe(false);
    await expect(service.isPending(USER)).resolves.toBe(false);
    repo.find.mockResolvedValue({ secret: 'x', confirmed: false });
    await expect(service.isEnabled(USER)).resolves.toBe(false);
    await expect(service.isPending(USER)).resolves.toBe(true);
    repo.find.mockResolvedValue({ secret: 'x', confirmed: true });
    await expect(service.isEnabled(USER)).resolves.toBe(true);
    await expect(service.isPending(USER)).resolves.toBe(false);
    expect(repo.find).toHaveBeenCalledWith(USER);
  });
});

describe('matchingStep (RFC 6238, ±1 step)', () => {
  const secret = new Secret({ size: 20 }).base32;
  const now = 1_800_000_015_000; // mid-step: 15 s into step 60000000
  const step = Math.floor(now / 30_000);

  it.each([-1, 0, 1])('accepts the code of step %i from now, naming its step', (offset) => {
    expect(matchingStep(secret, codeFor(secret, now + offset * 30_000), now)).toBe(step + offset);
  });

  it.each([-2, 2, 5])('refuses the code of step %i from now', (offset) => {
    expect(matchingStep(secret, codeFor(secret, now + offset * 30_000), now)).toBeUndefined();
  });

  it.each(['', '12345', '1234567', 'abcdef', ' 123456'])(
    'refuses the malformed code %p',
    (code) => {
      expect(matchingStep(secret, code, now)).toBeUndefined();
    },
  );
});
