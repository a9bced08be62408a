import request from 'supertest';
import { loginAdmin, registerAndLogin, bearer } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

const L = { RATE_LIMIT_MAX: '1000000', AUTH_RATE_LIMIT_MAX: '1000000', LOGIN_FAILURE_MAX: '1000000', LOG_LEVEL: 'error' };
describe('probe', () => {
  let t: TestApp;
  beforeAll(async () => { t = await startTestApp(L); });
  afterAll(() => t.close());
  it('probes', async () => {
    const u = await registerAndLogin(t);
    const a = await loginAdmin(t);
    const out: string[] = [];
    const log = (n: string, r: request.Response) => out.push(`${n} -> ${r.status} ${r.text.slice(0, 200)}`);
    log('login NUL', await request(t.url).post('/api/auth/login').send({ email: 'a\u0000b@x.org', password: 'x' }));
    log('register NUL username', await request(t.url).post('/api/auth/register').send({ email: 'q@x.org', username: 'a\u0000b', password: 'x', birthDate: '1990-01-01' }));
    log('patch me null', await request(t.url).patch('/api/users/me').set(...bearer(u.accessToken)).send({ username: null }));
    log('admin isActive null', await request(t.url).patch(`/api/users/${u.id}`).set(...bearer(a.accessToken)).send({ isActive: null }));
    log('admin role null', await request(t.url).patch(`/api/users/${u.id}`).set(...bearer(a.accessToken)).send({ role: null }));
    log('body null', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('null'));
    log('body array', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('[]'));
    log('body string', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('"x"'));
    log('body num', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('1'));
    log('refresh null', await request(t.url).post('/api/auth/refresh').send({ refreshToken: null }));
    log('ssn null', await request(t.url).put('/api/users/me/sensitive').set(...bearer(u.accessToken)).send({ ssn: null }));
    for (const e of ['user@exаmple.org', 'usеr@example.org', 'ｕｓｅｒ@example.org', 'user@ｅxample.org', 'user@example.οrg', 'user@xn--exmple-4nf.org'])
      log('register ' + e, await request(t.url).post('/api/auth/register').send({ email: e, username: 'h_' + Math.random().toString(36).slice(2, 8), password: 'Zz!9abcdefghQW', birthDate: '1990-01-01' }));
    for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/jsonx', 'application/json-patch+json', 'application/vnd.api+json', ' application/json', 'application/json;', 'text/json'])
      log('ct ' + ct, await request(t.url).post('/api/auth/login').set('Content-Type', ct).send('{"email":"a@b.co","password":"x"}'));
    const http = await import('node:http');
    const raw = (headers: Record<string,string>, body: string) => new Promise<string>((res) => { const r = http.request(t.url + '/api/auth/login', { method: 'POST', headers }, (s) => { let d=''; s.on('data', c=>d+=c); s.on('end', ()=>res(`${s.statusCode} ${d.slice(0,200)}`)); }); r.end(body); });
    out.push('no ct: ' + await raw({}, '{"email":"a@b.co","password":"x"}'));
    out.push('deep 50k: ' + (await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('['.repeat(50000) + ']'.repeat(50000))).status);
    log('proto escaped', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('{"\\u005f_proto__":{"polluted":1}}'));
    log('constructor', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('{"a":{"constructor":{"prototype":{"polluted":1}}}}'));
    log('constructor only', await request(t.url).post('/api/auth/login').set('Content-Type', 'application/json').send('{"constructor":1}'));
    log('audit from y0', await request(t.url).get('/api/audit/events?from=0000-01-01T00:00:00Z').set(...bearer(a.accessToken)));
    log('audit from big', await request(t.url).get('/api/audit/events?from=%2B275760-09-13T00:00:00Z').set(...bearer(a.accessToken)));
    log('audit type inj', await request(t.url).get("/api/audit/events?type=' OR 1=1--").set(...bearer(a.accessToken)));
    log('users page big', await request(t.url).get('/api/users?page=999999999').set(...bearer(a.accessToken)));
    log('bad url', await request(t.url).get('/api/users/%E0%A4%A').set(...bearer(a.accessToken)));
    log('long id', await request(t.url).get('/api/users/' + 'a'.repeat(5000)).set(...bearer(a.accessToken)));
    log('reveal', await request(t.url).post('/api/users/me/sensitive/reveal').set(...bearer(u.accessToken)).send({ password: 'a\u0000' }));
    console.log(out.join('\n'));
  });
});
