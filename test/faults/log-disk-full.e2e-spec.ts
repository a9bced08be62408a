import { mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { RELAXED_LIMITS, registerAndLogin } from '../support/auth-helpers';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * A full log disk never stops the service from answering (docs/API.md "Faults and shutdown"). The log
 * files point at /dev/full, where every write fails with ENOSPC.
 */
describe('a full log disk', () => {
  let t: TestApp;
  beforeAll(async () => {
    const logDir = join(tmpdir(), `snf-full-${randomBytes(4).toString('hex')}`);
    mkdirSync(logDir, { mode: 0o750 });
    for (const file of ['app.log', 'security.log']) symlinkSync('/dev/full', join(logDir, file));
    t = await startTestApp({ ...RELAXED_LIMITS, LOG_DIR: logDir, LOG_LEVEL: 'info' });
  });
  afterAll(() => t.close());

  it('keeps answering requests that log (failures, auth attempts) and those that do not', async () => {
    for (let i = 0; i < 20; i++) {
      await request(t.url).get('/api/nothing-here').expect(404);
      await request(t.url)
        .post('/api/auth/login')
        .send({ email: 'nobody@example.org', password: 'Wrong-Password-1!' })
        .expect(401);
    }
    const user = await registerAndLogin(t);
    expect(user.accessToken).toBeTruthy();
    await request(t.url).get('/health/live').expect(200);
  });
});
