import { InternalServerErrorException, UnauthorizedException } from '@nestjs/common';
import { aClient, anAuthenticatedUser } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import { AuditService } from '../audit/audit.service';
import { FieldCipher } from '../crypto/field-cipher.service';
import { KEYRING, Keyring } from '../crypto/keyring';
import { StepUp } from '../common/auth/step-up';
import { SensitiveDataService } from './sensitive-data.service';
import { sensitiveLocation } from './sensitive-fields';
import { SensitiveFieldRepository } from './sensitive-field.repository';

const caller = anAuthenticatedUser({ id: 'c0000000-0000-4000-8000-000000000003', sessionId: 's' });
const client = aClient();

describe('SensitiveDataService', () => {
  let service: SensitiveDataService;
  let cipher: FieldCipher;
  let repo: jest.Mocked<SensitiveFieldRepository>;
  let stepUp: jest.Mocked<StepUp>;
  let audit: jest.Mocked<AuditService>;

  beforeEach(async () => {
    let mocks: Mocks;
    // The real cipher, so the test can show what it stored is ciphertext bound to its place.
    const built = await newTestService(SensitiveDataService, {
      real: [FieldCipher],
      overrides: [
        { provide: KEYRING, useValue: new Keyring([{ id: 'k1', key: Buffer.alloc(32, 7) }]) },
      ],
    });
    ({ sut: service, mocks } = built);
    cipher = built.module.get(FieldCipher);
    repo = mocks.get(SensitiveFieldRepository);
    stepUp = mocks.get(StepUp);
    audit = mocks.get(AuditService);
  });

  it('stores only ciphertext bound to the row and column; null erases; absent fields stay', async () => {
    await service.update(caller, { ssn: '123-45-6789', bankAccount: null }, client);
    expect(stepUp.forSensitiveOperation).toHaveBeenCalledWith(caller, expect.any(Object), client);
    const [id, values] = repo.writeEncrypted.mock.calls[0] as [
      string,
      Record<string, string | null>,
    ];
    expect(id).toBe(caller.id);
    expect(values.bankAccount).toBeNull();
    expect(values.ssn).not.toContain('6789');
    expect(cipher.decrypt(values.ssn as string, sensitiveLocation(caller.id, 'ssn'))).toBe(
      '123-45-6789',
    );
    expect(() =>
      cipher.decrypt(values.ssn as string, sensitiveLocation('other-id', 'ssn')),
    ).toThrow();
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'user.sensitive.updated',
        metadata: { fields: ['ssn', 'bankAccount'] },
      }),
    );
  });

  it('stores nothing when the step-up rule refuses the request', async () => {
    stepUp.forSensitiveOperation.mockRejectedValue(new UnauthorizedException('proof'));
    await expect(service.update(caller, { ssn: '123-45-6789' }, client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(repo.writeEncrypted).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('reveal is proven like a credential change: a refused proof decrypts and audits nothing', async () => {
    stepUp.forCredentialChange.mockRejectedValue(
      new UnauthorizedException('Password is incorrect'),
    );
    await expect(service.reveal(caller, { password: 'wrong' }, client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(stepUp.forCredentialChange).toHaveBeenCalledWith(caller, { password: 'wrong' }, client);
    expect(repo.readEncrypted).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('reveal with the password returns the clear values and audits the reveal', async () => {
    stepUp.forCredentialChange.mockResolvedValue({ credentialsVersion: 1 });
    repo.readEncrypted.mockResolvedValue({
      ssn: cipher.encrypt('123-45-6789', sensitiveLocation(caller.id, 'ssn')),
      bankAccount: null,
    });
    await expect(service.reveal(caller, { password: 'right' }, client)).resolves.toEqual({
      ssn: '123-45-6789',
      bankAccount: null,
    });
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'user.sensitive.revealed' }),
    );
  });

  it('a ciphertext moved from another row is refused with a generic 500 and audited', async () => {
    repo.readEncrypted.mockResolvedValue({
      ssn: cipher.encrypt('123-45-6789', sensitiveLocation('someone-else', 'ssn')),
      bankAccount: null,
    });
    await expect(service.read(caller, client)).rejects.toBeInstanceOf(InternalServerErrorException);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'user.sensitive.decrypt_failed',
        metadata: { field: 'ssn', rowId: caller.id },
      }),
    );
  });
});
