import { randomBytes } from 'node:crypto';

export interface Account {
  email: string;
  password: string;
}

async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** A fresh policy-compliant account, registered over HTTP. */
export async function registerAccount(base: string): Promise<Account> {
  const tag = randomBytes(5).toString('hex');
  const account = {
    email: `bench.${tag}@example.org`,
    password: `Zq!${randomBytes(9).toString('base64url')}9x`,
  };
  const res = await post(`${base}/api/auth/register`, {
    ...account,
    username: `b_${tag}`,
    birthDate: '1990-05-17',
  });
  if (res.status !== 201) throw new Error(`register answered ${res.status}`);
  return account;
}

export async function accessToken(base: string, account: Account): Promise<string> {
  const res = await post(`${base}/api/auth/login`, account);
  if (res.status !== 200 || typeof res.json.accessToken !== 'string')
    throw new Error(`login answered ${res.status}`);
  return res.json.accessToken;
}
