import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { AdminBootstrapService } from '../../src/auth/admin-bootstrap.service';
import type { TestApp } from './test-app';

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
}

export interface LoggedIn extends TestUser {
  accessToken: string;
  refreshToken: string;
}

/** A unique, policy-compliant account. */
export function newUser(): Omit<TestUser, 'id'> & { birthDate: string } {
  const tag = randomBytes(5).toString('hex');
  return {
    email: `user.${tag}@example.org`,
    username: `u_${tag}`,
    password: `Zq!${randomBytes(9).toString('base64url')}9x`,
    birthDate: '1990-05-17',
  };
}

export async function register(t: TestApp, overrides: Partial<ReturnType<typeof newUser>> = {}): Promise<TestUser> {
  const body = { ...newUser(), ...overrides };
  const res = await request(t.url).post('/api/auth/register').send(body);
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id as string, email: body.email, username: body.username, password: body.password };
}

export async function login(t: TestApp, user: TestUser): Promise<LoggedIn> {
  const res = await request(t.url).post('/api/auth/login').send({ email: user.email, password: user.password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...user, accessToken: res.body.accessToken as string, refreshToken: res.body.refreshToken as string };
}

export async function registerAndLogin(t: TestApp): Promise<LoggedIn> {
  return login(t, await register(t));
}

/** An admin created the way operators do (AdminBootstrapService), then logged in over HTTP. */
export async function loginAdmin(t: TestApp): Promise<LoggedIn> {
  const account = newUser();
  const id = await t.app.get(AdminBootstrapService).createAdmin(account.email, account.password);
  if (!id) throw new Error('admin already exists');
  return login(t, { id, email: account.email, username: '', password: account.password });
}

export async function adminToken(t: TestApp): Promise<string> {
  return (await loginAdmin(t)).accessToken;
}

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
