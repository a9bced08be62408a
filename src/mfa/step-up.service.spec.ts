import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { client, fakeTransactions } from '../../test/support/unit-doubles';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUpRequiredException } from '../common/http/step-up-required.exception';
import { Env } from '../config/env.schema';
import { Transactions } from '../database/transactions';
import { SessionsService } from '../sessions/sessions.service';
import { CredentialsService } from '../users/credentials.service';
import { PasskeyAssertions } from './passkeys/passkey-assertions';
import { SecondFactorService } from './second-factor.service';
import { StepUpService } from './step-up.service';

const caller = (mfaEnabled: boolean): AuthenticatedUser =>
  ({
    id: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f',
    sessionId: '0b9f3c1e-2d4a-4b6c-8d0e-1f2a3b4c5d6e',
    account: { id: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f', email: 'ada@example.org', mfaEnabled },
  }) as AuthenticatedUser;

describe('StepUpService', () => {
  let service: StepUpService;
  const credentials = { confirmPassword: jest.fn() };
  const secondFactor = { check: jest.fn() };
  const sessions = { secondsSinceProof: jest.fn(), recordProofs: jest.fn() };
  const audit = { record: jest.fn() };

  beforeEach(async () => {
    jest.resetAllMocks();
    credentials.confirmPassword.mockResolvedValue({ credentialsVersion: 7 });
    secondFactor.check.mockResolvedValue('otp');
    const module = await Test.createTestingModule({
      providers: [
        StepUpService,
        { provide: CredentialsService, useValue: credentials },
        { provide: SecondFactorService, useValue: secondFactor },
        { provide: SessionsService, useValue: sessions },
        { provide: AuditService, useValue: audit },
        { provide: Transactions, useValue: fakeTransactions() },
        { provide: PasskeyAssertions, useValue: { options: jest.fn() } },
        { provide: Env, useValue: Object.assign(new Env(), { STEP_UP_MAX_AGE: 300 }) },
      ],
    }).compile();
    service = module.get(StepUpService);
  });

  describe('credential changes', () => {
    it('without a second factor on: the password in the request, and the version it was checked under', async () => {
      await expect(
        service.forCredentialChange(caller(false), { password: 'pw' }, client),
      ).resolves.toEqual({ credentialsVersion: 7 });
      expect(credentials.confirmPassword).toHaveBeenCalledWith(caller(false).id, 'pw', client);
      expect(secondFactor.check).not.toHaveBeenCalled();
    });

    it('a missing password is the RFC 9470 401, and nothing is checked or counted', async () => {
      const error = await service
        .forCredentialChange(caller(false), {}, client)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StepUpRequiredException);
      expect((error as StepUpRequiredException).headers()).toEqual({
        'WWW-Authenticate': 'Bearer error="insufficient_user_authentication"',
      });
      expect(credentials.confirmPassword).not.toHaveBeenCalled();
    });

    it('with a second factor on: the password alone is a missing proof, checked for nothing', async () => {
      await expect(
        service.forCredentialChange(caller(true), { password: 'pw' }, client),
      ).rejects.toBeInstanceOf(StepUpRequiredException);
      expect(credentials.confirmPassword).not.toHaveBeenCalled();
    });

    it('with a second factor on: both are checked, and a wrong factor is a plain 401', async () => {
      secondFactor.check.mockResolvedValue(undefined);
      const error = await service
        .forCredentialChange(caller(true), { password: 'pw', code: '123456' }, client)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnauthorizedException);
      expect(error).not.toBeInstanceOf(StepUpRequiredException);
      expect(credentials.confirmPassword).toHaveBeenCalled();
      expect(secondFactor.check).toHaveBeenCalledWith(
        caller(true).account,
        { password: 'pw', code: '123456' },
        client,
      );
    });

    it('two second factors at once: 400 before anything is checked', async () => {
      await expect(
        service.forCredentialChange(
          caller(true),
          { password: 'pw', code: '123456', recoveryCode: 'aaaa-bbbb-cccc-dddd-eeee' },
          client,
        ),
      ).rejects.toBeInstanceOf(BadRequestException);
      expect(credentials.confirmPassword).not.toHaveBeenCalled();
    });

    it('never accepts a recent proof instead of the request’s own', async () => {
      sessions.secondsSinceProof.mockResolvedValue(1);
      await expect(service.forCredentialChange(caller(false), {}, client)).rejects.toBeInstanceOf(
        StepUpRequiredException,
      );
      expect(sessions.secondsSinceProof).not.toHaveBeenCalled();
    });
  });

  describe('other sensitive operations', () => {
    it.each([
      [0, true],
      [300, true],
      [301, false],
      [null, false],
    ])(
      'a session whose last proof is %p seconds old passes without one: %p',
      async (age, passes) => {
        sessions.secondsSinceProof.mockResolvedValue(age);
        const outcome = service.forSensitiveOperation(caller(false), {}, client);
        if (passes) await expect(outcome).resolves.toBeUndefined();
        else await expect(outcome).rejects.toBeInstanceOf(StepUpRequiredException);
      },
    );

    it('a proof in the body is checked whatever the session did, and one proof is enough', async () => {
      sessions.secondsSinceProof.mockResolvedValue(1);
      await service.forSensitiveOperation(caller(true), { password: 'pw' }, client);
      expect(credentials.confirmPassword).toHaveBeenCalled();
      expect(secondFactor.check).not.toHaveBeenCalled();
    });
  });

  it('POST /step-up stamps what was proven on the session and audits it', async () => {
    await service.prove(caller(true), { code: '123456' }, client);
    expect(sessions.recordProofs).toHaveBeenCalledWith(caller(true), {
      password: false,
      factor: true,
    });
    expect(audit.record).toHaveBeenCalledWith(expect.objectContaining({ type: 'auth.step_up' }));
  });

  it('POST /step-up with a wrong proof stamps nothing', async () => {
    credentials.confirmPassword.mockRejectedValue(new UnauthorizedException('wrong'));
    await expect(service.prove(caller(false), { password: 'x' }, client)).rejects.toBeInstanceOf(
      UnauthorizedException,
    );
    expect(sessions.recordProofs).not.toHaveBeenCalled();
  });
});
