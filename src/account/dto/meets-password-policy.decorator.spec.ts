import { BadRequestException, ValidationPipe } from '@nestjs/common';
import { IsEmail, IsString } from 'class-validator';
import { DEFAULT_PASSWORD_POLICY, PASSWORD_POLICY_MESSAGES as M } from '../password-policy';
import { usePasswordPolicy } from '../password-policy-settings';
import { MeetsPasswordPolicy } from './meets-password-policy.decorator';

class RegisterDto {
  @IsString()
  login!: string;

  @IsEmail()
  mail!: string;

  @MeetsPasswordPolicy({ usernameField: 'login', emailField: 'mail' })
  password!: string;
}

class NoContextDto {
  @MeetsPasswordPolicy()
  password!: string;
}

// Same options as the app's global pipe, so this exercises the real request path.
const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });
const meta = { type: 'body' as const, metatype: RegisterDto };

async function rejection(body: object, metatype: new () => object = RegisterDto) {
  const error: unknown = await pipe.transform(body, { ...meta, metatype }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BadRequestException);
  return (error as BadRequestException).getResponse() as { message: string[] };
}

describe('@MeetsPasswordPolicy', () => {
  it('accepts a strong password and returns a DTO instance', async () => {
    const body = { login: 'alice', mail: 'alice@example.com', password: 'Vq7#mZ2!rK9$wLp' };
    const dto: unknown = await pipe.transform(body, meta);
    expect(dto).toBeInstanceOf(RegisterDto);
  });

  it('uses the configured sibling fields for username and email', async () => {
    const password = 'Qz#9-AlIcE-w8!';
    const { message } = await rejection({ login: 'alice', mail: 'bob@x.io', password });
    expect(message).toEqual([`${M.containsUsername}`]);

    const viaEmail = await rejection({ login: 'carol', mail: 'alice@x.io', password });
    expect(viaEmail.message).toEqual([M.containsEmail]);
  });

  it('lists every broken rule and never echoes the submitted value', async () => {
    const password = 'Passw0rd2024';
    const { message } = await rejection({ login: 'alice', mail: 'a@x.io', password });
    expect(message).toHaveLength(1);
    expect(message[0]).toContain(M.noSpecial);
    expect(message[0]).toContain(M.common);
    expect(message[0]).not.toContain(password);
    expect(message[0].toLowerCase()).not.toContain('passw0rd');
  });

  it('rejects a non-string password without echoing it', async () => {
    const { message } = await rejection({ password: 123456789012 }, NoContextDto);
    expect(message).toEqual(['password must be a string.']);
  });

  it('works without context fields', async () => {
    const { message } = await rejection({ password: 'short' }, NoContextDto);
    expect(message[0]).toContain(M.tooShort);
  });

  describe('as the application configured it', () => {
    afterEach(() => usePasswordPolicy(DEFAULT_PASSWORD_POLICY));

    it('refuses a context word, naming the rule', async () => {
      usePasswordPolicy({ contextWords: ['orchid'], requireCharacterClasses: true });
      const { message } = await rejection({ password: 'Vq7#mZ2!Orchid' }, NoContextDto);
      expect(message).toEqual([M.containsContextWord]);
    });

    it('asks no character classes when they are switched off', async () => {
      usePasswordPolicy({ contextWords: [], requireCharacterClasses: false });
      const dto: unknown = await pipe.transform(
        { password: 'correct horse battery staple' },
        { ...meta, metatype: NoContextDto },
      );
      expect(dto).toBeInstanceOf(NoContextDto);
    });
  });
});
