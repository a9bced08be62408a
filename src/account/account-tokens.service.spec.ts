import { BadRequestException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { sectionProviders } from '../config/config-of';
import { Env } from '../config/env.schema';
import { sha256Hex } from '../crypto/digest';
import { AccountTokenRepository, type NewAccountToken } from './account-token.repository';
import { INVALID_LINK } from '../common/auth/account-messages';
import { AccountTokensService, inWords } from './account-tokens.service';

const USER = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('AccountTokensService', () => {
  let service: AccountTokensService;
  const repository = {
    issue: jest.fn(),
    spend: jest.fn(),
    findLiveOwner: jest.fn(),
    revokeLive: jest.fn(),
  };

  beforeEach(async () => {
    jest.resetAllMocks();
    const env = Object.assign(new Env(), { PASSWORD_RESET_TTL: '30m', EMAIL_VERIFY_TTL: '24h' });
    const module = await Test.createTestingModule({
      providers: [
        AccountTokensService,
        { provide: AccountTokenRepository, useValue: repository },
        ...sectionProviders(env),
      ],
    }).compile();
    service = module.get(AccountTokensService);
  });

  it('issues 256 random bits (43 base64url characters) and stores only their SHA-256', async () => {
    const issued = await service.issue({
      userId: USER,
      purpose: 'password_reset',
      credentialsVersion: 3,
    });
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(issued.token, 'base64url')).toHaveLength(32);
    expect(repository.issue).toHaveBeenCalledWith({
      userId: USER,
      purpose: 'password_reset',
      tokenHash: sha256Hex(issued.token),
      ttlSeconds: 1_800,
      credentialsVersion: 3,
    });
    expect(JSON.stringify(repository.issue.mock.calls)).not.toContain(issued.token);
    expect(issued.validFor).toBe('30 minutes');
  });

  it('takes the lifetimes from the environment: verification and email change EMAIL_VERIFY_TTL', async () => {
    const verify = await service.issue({ userId: USER, purpose: 'verify_email' });
    const change = await service.issue({
      userId: USER,
      purpose: 'email_change',
      newEmail: 'new@example.org',
      credentialsVersion: 1,
    });
    expect(
      (repository.issue.mock.calls as Array<[NewAccountToken]>).map(([row]) => [
        row.purpose,
        row.ttlSeconds,
        row.newEmail,
      ]),
    ).toEqual([
      ['verify_email', 86_400, undefined],
      ['email_change', 86_400, 'new@example.org'],
    ]);
    expect(verify.validFor).toBe('24 hours');
    expect(change.token).not.toBe(verify.token);
  });

  it('never issues the same token twice', async () => {
    const tokens = new Set<string>();
    for (let i = 0; i < 200; i++)
      tokens.add((await service.issue({ userId: USER, purpose: 'verify_email' })).token);
    expect(tokens.size).toBe(200);
  });

  it('binds reset and email-change links to a credentials version, and only those', async () => {
    await expect(service.issue({ userId: USER, purpose: 'password_reset' })).rejects.toThrow();
    await expect(
      service.issue({ userId: USER, purpose: 'verify_email', credentialsVersion: 1 }),
    ).rejects.toThrow();
    expect(repository.issue).not.toHaveBeenCalled();
  });

  it('spends a token by its hash and purpose and returns what the row held', async () => {
    const token = 'a-token';
    repository.spend.mockResolvedValue({
      userId: USER,
      tokenHash: sha256Hex(token),
      newEmail: null,
    });
    await expect(service.spend('verify_email', token)).resolves.toEqual({
      userId: USER,
      tokenHash: sha256Hex(token),
      newEmail: null,
    });
    expect(repository.spend).toHaveBeenCalledWith('verify_email', sha256Hex(token));
  });

  it('answers one 400 whenever the repository spends no row (which rows it spends: test/lifecycle, test/integrity)', async () => {
    repository.spend.mockResolvedValue(undefined);
    const error = await service.spend('password_reset', 'whatever').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as Error).message).toBe(INVALID_LINK);
  });

  it('refuses a row whose stored hash is not the presented token’s (compared in constant time)', async () => {
    repository.spend.mockResolvedValue({
      userId: USER,
      tokenHash: sha256Hex('other'),
      newEmail: null,
    });
    await expect(service.spend('password_reset', 'mine')).rejects.toThrow(INVALID_LINK);
  });

  it('finds the owner of a live token without spending it, or refuses with the same 400', async () => {
    repository.findLiveOwner.mockResolvedValueOnce(USER).mockResolvedValueOnce(undefined);
    await expect(service.ownerOf('password_reset', 't')).resolves.toBe(USER);
    await expect(service.ownerOf('password_reset', 't')).rejects.toThrow(INVALID_LINK);
    expect(repository.findLiveOwner).toHaveBeenCalledWith('password_reset', sha256Hex('t'));
    expect(repository.spend).not.toHaveBeenCalled();
  });

  it('words lifetimes for the mail', () => {
    expect(inWords(1_800)).toBe('30 minutes');
    expect(inWords(3_600)).toBe('1 hour');
    expect(inWords(86_400)).toBe('24 hours');
    expect(inWords(90)).toBe('90 seconds');
  });
});
