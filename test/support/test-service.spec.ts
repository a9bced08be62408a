import { Inject, Injectable } from '@nestjs/common';
import { TokensConfig } from '../../src/config/config-sections';
import { Env } from '../../src/config/env.schema';
import { Transactions } from '../../src/database/transactions';
import { StepUp } from '../../src/common/auth/step-up';
import { anAuthenticatedUser, aUser } from './factories';
import { createMock, newTestService } from './test-service';

@Injectable()
class Clock {
  now(): number {
    return Date.now();
  }
}

@Injectable()
class Greeter {
  constructor(private readonly clock: Clock) {}
  greet(name: string): string {
    return `${name} at ${this.clock.now()}`;
  }
}

const LABEL = Symbol('label');

@Injectable()
class Subject {
  readonly ttl: number;
  constructor(
    readonly greeter: Greeter,
    readonly stepUp: StepUp,
    readonly transactions: Transactions,
    tokens: TokensConfig,
    @Inject(LABEL) readonly label: string,
  ) {
    this.ttl = tokens.refreshTtlSeconds;
  }
}

interface Settings {
  name: string;
}

@Injectable()
class Untyped {
  constructor(readonly settings: Settings) {}
}

describe('newTestService', () => {
  it('mocks every dependency by its class, abstract ones too, and hands the mocks back', async () => {
    const { sut, mocks } = await newTestService(Subject, {
      overrides: [{ provide: LABEL, useValue: 'fixed' }],
    });
    mocks.get(Greeter).greet.mockReturnValue('hi');
    mocks.get(StepUp).forSensitiveOperation.mockResolvedValue();
    expect(sut.greeter.greet('ada')).toBe('hi');
    await expect(
      sut.stepUp.forSensitiveOperation(anAuthenticatedUser(), {}, {} as never),
    ).resolves.toBeUndefined();
    expect(sut.greeter).toBe(mocks.get(Greeter));
    expect(sut.label).toBe('fixed');
  });

  it('gives real configuration sections from an Env with the overrides, read in the constructor, and the fake unit of work', async () => {
    const { sut, env, transactions } = await newTestService(Subject, {
      env: { JWT_REFRESH_TTL: '9d' },
      overrides: [{ provide: LABEL, useValue: 'x' }],
    });
    expect(env).toBeInstanceOf(Env);
    expect(sut.ttl).toBe(9 * 86_400);
    expect(sut.transactions).toBe(transactions);
    await transactions.run(async () => expect(transactions.inTransaction()).toBe(true));
  });

  it('builds the collaborators named real, and mocks their dependencies in turn', async () => {
    const { sut, mocks } = await newTestService(Subject, {
      real: [Greeter],
      overrides: [{ provide: LABEL, useValue: 'x' }],
    });
    mocks.get(Clock).now.mockReturnValue(42);
    expect(sut.greeter.greet('ada')).toBe('ada at 42');
    expect(() => mocks.get(Greeter)).toThrow('Greeter is not an auto-mocked dependency');
  });

  it('refuses to guess a dependency typed by an interface (no token at run time)', async () => {
    await expect(newTestService(Untyped)).rejects.toThrow(
      'Untyped: parameter 0 has no injection token',
    );
  });
});

describe('createMock', () => {
  it('is not mistaken for a promise, so a service may return or await it', async () => {
    const mock = createMock<Clock>();
    await expect(Promise.resolve(mock)).resolves.toBe(mock);
  });
});

describe('factories', () => {
  it('hands out a fresh object per call, with the same fixed values', () => {
    const first = aUser();
    first.email = 'changed@example.org';
    expect(aUser().email).toBe('ada@example.org');
    expect(aUser()).toEqual(aUser());
  });

  it('keeps the caller and its account the same person', () => {
    const admin = anAuthenticatedUser({
      id: 'a0000000-0000-4000-8000-000000000001',
      role: 'admin',
    });
    expect(admin.account).toMatchObject({ id: admin.id, role: 'admin' });
  });
});
