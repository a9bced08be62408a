import { Test } from '@nestjs/testing';
import { sha256Hex } from '../crypto/digest';
import { RecoveryCodeRepository } from './recovery-code.repository';
import { RECOVERY_CODE_COUNT, RecoveryCodesService } from './recovery-codes.service';

const USER = '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f';

describe('RecoveryCodesService', () => {
  let service: RecoveryCodesService;
  const repo = {
    replace: jest.fn(),
    consume: jest.fn(),
    countUnused: jest.fn(),
    removeAll: jest.fn(),
  };

  beforeEach(async () => {
    jest.resetAllMocks();
    const module = await Test.createTestingModule({
      providers: [RecoveryCodesService, { provide: RecoveryCodeRepository, useValue: repo }],
    }).compile();
    service = module.get(RecoveryCodesService);
  });

  it('issues ten distinct high-entropy codes and stores only their digests, replacing the old set', async () => {
    const codes = await service.issue(USER);
    expect(codes).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(codes).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of codes) {
      // 28 characters of 5 bits: 140 bits, at least the 128 a lookup secret stored unsalted needs.
      expect(code.split('-').map((group) => group.length)).toEqual([4, 4, 4, 4, 4, 4, 4]);
      expect(code.replace(/-/g, '')).toMatch(/^[0-9a-hjkmnp-tv-z]{28}$/);
    }
    expect(repo.replace).toHaveBeenCalledTimes(1);
    const [userId, hashes] = repo.replace.mock.calls[0] as [string, string[]];
    expect(userId).toBe(USER);
    expect(hashes).toEqual(codes.map((code) => sha256Hex(code.replace(/-/g, ''))));
    expect(JSON.stringify(hashes)).not.toContain(codes[0]);
  });

  it('consumes a code by its digest, whatever its case, dashes or spaces', async () => {
    const [code] = await service.issue(USER);
    repo.consume.mockResolvedValue(true);
    await expect(service.consume(USER, ` ${code.toUpperCase().replace(/-/g, ' ')} `)).resolves.toBe(
      true,
    );
    expect(repo.consume).toHaveBeenCalledWith(USER, sha256Hex(code.replace(/-/g, '')));
  });

  it('says no when the repository finds no unused code (used already, or never issued)', async () => {
    repo.consume.mockResolvedValue(false);
    await expect(service.consume(USER, 'aaaa-bbbb-cccc-dddd-eeee')).resolves.toBe(false);
  });

  it('never queries for a malformed code', async () => {
    await expect(service.consume(USER, 'short')).resolves.toBe(false);
    await expect(service.consume(USER, '!!!!-????-....-////-::::')).resolves.toBe(false);
    await expect(service.consume(USER, 'abcd-efgh-jkmn-pqrs-tvwx-yz01')).resolves.toBe(false);
    expect(repo.consume).not.toHaveBeenCalled();
  });

  it('still checks a 20-character code of a set issued before codes grew to 28', async () => {
    repo.consume.mockResolvedValue(true);
    await expect(service.consume(USER, 'abcd-efgh-jkmn-pqrs-tvwx')).resolves.toBe(true);
    expect(repo.consume).toHaveBeenCalledWith(USER, sha256Hex('abcdefghjkmnpqrstvwx'));
  });
});
