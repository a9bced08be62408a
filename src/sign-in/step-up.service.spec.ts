import { BadRequestException, UnauthorizedException } from '@nestjs/common';
import { aClient, anAuthenticatedUser, someCredentials } from '../../test/support/factories';
import { type Mocks, newTestService } from '../../test/support/test-service';
import { AuditService } from '../audit/audit.service';
import type { AuthenticatedUser } from '../common/auth/principal';
import { StepUpRequiredException } from '../common/http/step-up-required.exception';
import { SessionsService } from '../sessions/sessions.service';
import { CredentialsService } from '../users/credentials.service';
import { SecondFactor } from '../common/auth/second-factor';
import { StepUpService } from './step-up.service';

const client = aClient();
const caller = (mfaEnabled: boolean): AuthenticatedUser =>
  anAuthenticatedUser({ id: '6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f', account: { mfaEnabled } });

describe('StepUpService', () => {
  let service: StepUpService;
  let credentials: jest.Mocked<CredentialsService>;
  let secondFactor: jest.Mocked<SecondFactor>;
  let sessions: jest.Mocked<SessionsService>;
  let audit: jest.Mocked<AuditService>;

  beforeEach(async () => {
    let mocks: Mocks;
    ({ sut: service, mocks } = await newTestService(StepUpService, {
      env: { STEP_UP_MAX_AGE: 300 },
    }));
    credentials = mocks.get(CredentialsService);
    secondFactor = mocks.get(SecondFactor);
    sessions = mocks.get(SessionsService);
    audit = mocks.get(AuditService);
    credentials.confirmPassword.mockResolvedValue(someCredentials({ credentialsVersion: 7 }));
    secondFactor.check.mockResolvedValue('otp');
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
