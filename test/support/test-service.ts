import 'reflect-metadata';
import type { Abstract, Provider, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { sectionProviders } from '../../src/config/config-of';
import { Env } from '../../src/config/env.schema';
import { Transactions } from '../../src/database/transactions';
import { fakeTransactions } from './unit-doubles';

/** What Nest injects by: a class (abstract ones included, like StepUp) or an `@Inject()` token. */
type Token = Type | Abstract<unknown> | string | symbol;

/**
 * Keys a mock must not answer with a function: `then` would make it look like a promise (awaiting
 * it would hang), and jest's matchers and printer probe the others to tell what a value is.
 */
const NOT_MEMBERS = new Set<PropertyKey>([
  'then',
  'constructor',
  'asymmetricMatch',
  'toJSON',
  'nodeType',
]);

/**
 * A double whose every method is a `jest.fn()`, made on first use. A Proxy rather than a walk over
 * the prototype, because abstract methods (StepUp's) do not exist at run time.
 */
export function createMock<T extends object>(): jest.Mocked<T> {
  const members: Record<PropertyKey, unknown> = {};
  return new Proxy(members, {
    get(_, key) {
      if (key in members) return members[key];
      if (typeof key === 'symbol' || NOT_MEMBERS.has(key) || /^(@@|\$\$)/.test(key))
        return undefined;
      return (members[key] = jest.fn());
    },
  }) as jest.Mocked<T>;
}

export interface TestServiceOptions {
  /**
   * Fields set on a real `new Env()`, whose configuration sections (HttpConfig, TokensConfig,
   * CryptoOptions…) the service receives: services read their settings in the constructor.
   */
  env?: Partial<Env>;
  /** Collaborators built for real, their own dependencies mocked in turn. */
  real?: Type[];
  /** Dependencies given a value of the spec's own instead of an auto-mock. */
  overrides?: { provide: Token; useValue: unknown }[];
}

/** The auto-mocks of a service's dependencies, looked up by the class the service asks for. */
export class Mocks {
  constructor(private readonly byToken: Map<Token, unknown>) {}

  get<T>(token: Type<T> | Abstract<T>): jest.Mocked<T> {
    if (!this.byToken.has(token))
      throw new Error(`${nameOf(token)} is not an auto-mocked dependency of this service`);
    return this.byToken.get(token) as jest.Mocked<T>;
  }
}

export interface TestService<S> {
  /** The service under test, built by Nest as the application would build it. */
  sut: S;
  mocks: Mocks;
  /** The unit of work every `Transactions` dependency receives. */
  transactions: ReturnType<typeof fakeTransactions>;
  env: Env;
  module: TestingModule;
}

/**
 * Builds `Service` through a Nest testing module with every constructor dependency replaced by an
 * auto-mock (`createMock`), except the configuration sections (real ones, from `new Env()` with
 * `options.env` applied), `Transactions`
 * (`fakeTransactions()`), the classes in `options.real` and the tokens in `options.overrides`.
 * The dependencies are read from the constructor's `design:paramtypes`, as Nest itself reads them,
 * so a spec need not list them and a new dependency breaks no spec that does not use it.
 */
export async function newTestService<S>(
  Service: Type<S>,
  options: TestServiceOptions = {},
): Promise<TestService<S>> {
  const real = new Set<Token>(options.real ?? []);
  const overridden = new Set<Token>((options.overrides ?? []).map((o) => o.provide));
  const transactions = fakeTransactions();
  const env = Object.assign(new Env(), options.env);
  const sections = new Map<Token, unknown>(
    sectionProviders(env).map(({ provide, useValue }) => [provide as Token, useValue]),
  );
  const mocks = new Map<Token, unknown>();
  const providers: Provider[] = [Service, ...(options.real ?? []), ...(options.overrides ?? [])];

  for (const owner of [Service, ...(options.real ?? [])]) {
    for (const token of dependenciesOf(owner)) {
      if (real.has(token) || overridden.has(token) || mocks.has(token)) continue;
      const value = sections.has(token)
        ? sections.get(token)
        : token === Transactions
          ? transactions
          : createMock();
      mocks.set(token, value);
      providers.push({ provide: token, useValue: value });
    }
  }
  for (const token of sections.keys()) mocks.delete(token);
  mocks.delete(Transactions);

  const module = await Test.createTestingModule({ providers }).compile();
  return { sut: module.get(Service), mocks: new Mocks(mocks), transactions, env, module };
}

/** The constructor's injection tokens: its parameter types, with `@Inject(token)` taking precedence. */
function dependenciesOf(owner: Type): Token[] {
  const types = (Reflect.getMetadata('design:paramtypes', owner) ?? []) as (Token | undefined)[];
  const declared = (Reflect.getMetadata('self:paramtypes', owner) ?? []) as {
    index: number;
    param: Token;
  }[];
  const tokens = [...types];
  for (const { index, param } of declared) tokens[index] = param;
  return tokens.map((token, index) => {
    if (token === undefined || token === Object)
      throw new Error(
        `${owner.name}: parameter ${index} has no injection token (an interface or an import cycle?)`,
      );
    return token;
  });
}

function nameOf(token: Token): string {
  return typeof token === 'function' ? token.name : String(token);
}
