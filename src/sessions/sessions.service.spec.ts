import { NotFoundException, UnauthorizedException } from '@nestjs/common';
import { aClient, anAuthenticatedUser, USER_ID } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import { AuditService } from '../audit/audit.service';
import { sha256Hex } from '../crypto/digest';
import { SessionPolicyRepository } from './session-policy.repository';
import { SessionRepository, type PrincipalRow } from './session.repository';
import { INVALID_REFRESH, SessionsService } from './sessions.service';

const USER = USER_ID;
const client = aClient();
const principal = (sessionId: string): PrincipalRow => ({
  session_id: sessionId,
  id: USER,
  role: 'user',
  email: 'ada@example.org',
  username: 'ada',
  is_active: true,
  email_verified: true,
  mfa_enabled: false,
  birth_date: null,
  amr: ['pwd'],
  created_at: new Date(),
  updated_at: new Date(),
});

describe('SessionsService', () => {
  let sessions: SessionsService;
  let repo: jest.Mocked<SessionRepository>;
  let limits: jest.Mocked<SessionPolicyRepository>;
  let audit: jest.Mocked<AuditService>;

  beforeEach(async () => {
    let mocks: Mocks;
    ({ sut: sessions, mocks } = await newTestService(SessionsService, {
      env: {
        JWT_REFRESH_TTL: '7d',
        SESSION_IDLE_TIMEOUT: '3d',
        SESSION_MAX_AGE: '30d',
        ADMIN_SESSION_IDLE_TIMEOUT: '1h',
        ADMIN_SESSION_MAX_AGE: '12h',
        MAX_SESSIONS_PER_USER: 3,
      },
    }));
    repo = mocks.get(SessionRepository);
    limits = mocks.get(SessionPolicyRepository);
    audit = mocks.get(AuditService);
    limits.evictBeyond.mockResolvedValue([]);
  });

  it('opens a session under the lifetime policy and stores only the SHA-256 of its refresh token', async () => {
    repo.open.mockResolvedValue({ id: 's-1', authTime: 1_800_000_000, lifetimeSeconds: 259_200 });
    const opened = await sessions.open(USER, 3, ['pwd', 'otp'], client);
    expect(repo.open).toHaveBeenCalledWith(
      USER,
      3,
      ['pwd', 'otp'],
      { password: true, factor: true },
      {
        user: { idleSeconds: 3 * 86_400, maxAgeSeconds: 30 * 86_400 },
        admin: { idleSeconds: 3_600, maxAgeSeconds: 12 * 3_600 },
        refreshTtlSeconds: 7 * 86_400,
      },
      client,
      null,
    );
    expect(opened?.amr).toEqual(['pwd', 'otp']);
    expect(opened?.authTime).toBe(1_800_000_000);
    expect(opened?.lifetimeSeconds).toBe(259_200);
    expect(opened?.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(repo.addRefreshToken).toHaveBeenCalledWith('s-1', sha256Hex(opened?.refreshToken ?? ''));
  });

  it('past MAX_SESSIONS_PER_USER ends the sessions the repository evicts, each audited', async () => {
    repo.open.mockResolvedValue({ id: 's-new', authTime: 1, lifetimeSeconds: 60 });
    limits.evictBeyond.mockResolvedValue([{ id: 's-old' }]);
    await sessions.open(USER, 3, ['pwd'], client);
    expect(limits.lockUserSessions).toHaveBeenCalledWith(USER);
    expect(limits.evictBeyond).toHaveBeenCalledWith(USER, 's-new', 3);
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.session.evicted',
        userId: USER,
        metadata: { sessionId: 's-old', bySessionId: 's-new' },
      }),
    );
  });

  it('stamps on the session which proofs its sign-in made', async () => {
    repo.open.mockResolvedValue({ id: 's-1', authTime: 1, lifetimeSeconds: 60 });
    await sessions.open(USER, 3, ['pwd'], client);
    await sessions.open(USER, 3, ['hwk', 'user'], client);
    expect(repo.open.mock.calls.map((call: unknown[]) => call[3])).toEqual([
      { password: true, factor: false },
      { password: false, factor: true },
    ]);
  });

  it('opens nothing when the credentials moved on since the login checked them', async () => {
    repo.open.mockResolvedValue(undefined);
    await expect(sessions.open(USER, 3, ['pwd'], client)).resolves.toBeUndefined();
    expect(repo.addRefreshToken).not.toHaveBeenCalled();
  });

  it('after a credential change keeps the caller on the new version and revokes the rest', async () => {
    repo.revoke.mockResolvedValue(4);
    await expect(sessions.keepOnlyCaller(USER, 's-1', 'password_changed')).resolves.toBe(4);
    expect(repo.restamp).toHaveBeenCalledWith(USER, 's-1');
    expect(repo.revoke).toHaveBeenCalledWith(
      { userId: USER, exceptSessionId: 's-1' },
      'password_changed',
    );
  });

  it('rotates: the presented token is spent and a new one issued, audited as auth.refresh', async () => {
    repo.spendRefreshToken.mockResolvedValue({
      sessionId: 's-1',
      userId: USER,
      amr: ['pwd'],
      authTime: 1,
      lifetimeSeconds: 60,
    });
    const rotated = await sessions.rotate('presented', client);
    expect(repo.spendRefreshToken).toHaveBeenCalledWith(
      sha256Hex('presented'),
      expect.objectContaining({ refreshTtlSeconds: 7 * 86_400 }),
    );
    expect(rotated.lifetimeSeconds).toBe(60);
    expect(rotated).toMatchObject({ sessionId: 's-1', userId: USER });
    expect(rotated.refreshToken).not.toBe('presented');
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ type: 'auth.refresh' }));
    expect(repo.revoke).not.toHaveBeenCalled();
  });

  it('treats a spent token presented again as reuse: the whole session is revoked and audited', async () => {
    repo.spendRefreshToken.mockResolvedValue(undefined);
    repo.findBySpentToken.mockResolvedValue({ sessionId: 's-1', userId: USER });
    repo.revoke.mockResolvedValue(1);
    await expect(sessions.rotate('copied', client)).rejects.toThrow(INVALID_REFRESH);
    expect(repo.revoke).toHaveBeenCalledWith(
      { userId: USER, sessionId: 's-1' },
      'refresh_token_reuse',
    );
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({
        type: 'auth.refresh.reuse_detected',
        metadata: { sessionId: 's-1', sessionRevoked: true },
      }),
    );
  });

  it('answers an unknown token with the same 401 and revokes nothing', async () => {
    repo.spendRefreshToken.mockResolvedValue(undefined);
    repo.findBySpentToken.mockResolvedValue(undefined);
    await expect(sessions.rotate('never-issued', client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(repo.revoke).not.toHaveBeenCalled();
    expect(audit.record).not.toHaveBeenCalled();
  });

  it('checks sessions arriving together with one read, and refuses a token whose sub is not the session owner', async () => {
    repo.principals.mockImplementation(async (ids: string[]) => ids.map(principal));
    const [mine, other] = await Promise.all([
      sessions.authenticate('s-1', USER),
      sessions.authenticate('s-2', '00000000-0000-4000-8000-000000000000'),
    ]);
    expect(repo.principals).toHaveBeenCalledTimes(1);
    expect(repo.principals).toHaveBeenCalledWith(['s-1', 's-2']);
    expect(mine).toMatchObject({
      id: USER,
      sessionId: 's-1',
      account: { email: 'ada@example.org' },
    });
    expect(other).toBeUndefined();
  });

  it('finds no session → the caller is not authenticated', async () => {
    repo.principals.mockResolvedValue([]);
    await expect(sessions.authenticate('s-9', USER)).resolves.toBeUndefined();
  });

  it("answers 404 for a session that is not the caller's, and audits only a real revocation", async () => {
    const caller = anAuthenticatedUser({ id: USER, sessionId: 's-1' });
    repo.revoke.mockResolvedValueOnce(0).mockResolvedValueOnce(1);
    await expect(sessions.revokeOwn(caller, 's-x', client)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    expect(audit.record).not.toHaveBeenCalled();
    await sessions.revokeOwn(caller, 's-2', client);
    expect(repo.revoke).toHaveBeenLastCalledWith(
      { userId: USER, sessionId: 's-2' },
      'revoked_by_user',
    );
    expect(audit.record).toHaveBeenCalledWith(
      expect.objectContaining({ type: 'auth.session.revoked', metadata: { sessionId: 's-2' } }),
    );
  });
});
