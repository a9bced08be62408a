/**
 * Named mutations of the security checks (`npm run test:mutants`, docs/TESTING.md "Security
 * mutants"). Each one removes or weakens exactly one check the way a careless edit could; the specs
 * listed must fail on it. A `find` that no longer occurs exactly once fails the run, so a refactor
 * that moves a check must move its mutant too.
 */
export interface SecurityMutant {
  /** kebab-case, unique: what `--only` takes. */
  id: string;
  /** One line: the check this mutation removes. */
  defence: string;
  /** Repository-relative path of the file mutated. */
  file: string;
  /** Exact text, which must occur exactly once in `file`. */
  find: string;
  replace: string;
  /** The specs that must fail on the mutant (repository-relative paths). */
  specs: string[];
  /** Build dist/ first: a spec spawns the built app. */
  build?: true;
}

const SESSIONS = 'src/sessions/session.repository.ts';
const JWT_STRATEGY = 'src/auth/jwt.strategy.ts';
const JWT_ATTACKS = 'test/security/jwt-attacks.e2e-spec.ts';
const STEP_UP = 'src/sign-in/step-up.service.ts';
const STEP_UP_SPEC = 'test/integrity/step-up.e2e-spec.ts';
const CIPHER = 'src/crypto/field-cipher.service.ts';
const HEADERS = 'src/common/http/security-headers.ts';
const VALIDATION = 'src/common/validation/validation-pipe.ts';
const COOKIE = 'src/sign-in/refresh-cookie.ts';
const LOGIN_SPEC = 'test/auth/login.e2e-spec.ts';
const RATE_LIMIT_SPEC = 'test/rate-limit/rate-limit.e2e-spec.ts';
const PASSWORD_SIGN_IN = 'src/sign-in/password-sign-in.service.ts';
const REDIS_ACL = 'docker/redis/users.acl';
const REDIS_ACL_SPEC = 'test/foundation/redis-acl.e2e-spec.ts';
const PROVIDER_SIGN_IN = 'src/sign-in/providers/provider-sign-in.service.ts';
const LINKER = 'src/sign-in/providers/identity-linker.ts';
const CALLBACK_ATTACKS = 'test/identity-providers/callback-attacks.e2e-spec.ts';
const CODE_EXCHANGE = 'test/identity-providers/code-exchange.e2e-spec.ts';
const LINK_BY_ADDRESS = 'test/identity-providers/link-by-address.e2e-spec.ts';

export const SECURITY_MUTANTS: SecurityMutant[] = [
  // The per-request check and the sessions it trusts.
  {
    id: 'per-request-inactive-user',
    defence: 'the per-request check refuses a session whose user is deactivated',
    file: SESSIONS,
    find: 'WHERE s.id = ANY($1::uuid[]) AND ${LIVE} AND u.is_active\n',
    replace: 'WHERE s.id = ANY($1::uuid[]) AND ${LIVE}\n',
    specs: ['test/auth/per-request-check.e2e-spec.ts'],
  },
  {
    id: 'per-request-credentials-version',
    defence:
      "the per-request check refuses a session stamped with an older credentials version than its user's",
    file: SESSIONS,
    find: 'AND u.is_active\n            AND s.credentials_version = u.credentials_version`,',
    replace: 'AND u.is_active`,',
    specs: ['test/auth/per-request-check.e2e-spec.ts'],
  },
  {
    id: 'session-idle-deadline',
    defence: 'a session dies SESSION_IDLE_TIMEOUT after its last refresh',
    file: SESSIONS,
    find: "export const LIVE = 's.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()';",
    replace: "export const LIVE = 's.revoked_at IS NULL AND s.expires_at > now()';",
    specs: ['test/sessions/session-lifetime.e2e-spec.ts'],
  },
  {
    id: 'session-open-credentials-version',
    defence: 'a login opens its session only while the credentials version it checked is current',
    file: SESSIONS,
    find: 'FROM users WHERE id = $1 AND credentials_version = $4',
    replace: 'FROM users WHERE id = $1 AND $4::integer IS NOT NULL',
    specs: ['test/auth/credential-races.e2e-spec.ts'],
  },
  {
    id: 'session-revoke-owner',
    defence: "revoking one session is scoped to its owner: another user's session id is a 404",
    file: SESSIONS,
    find: 'const where: FindOptionsWhere<SessionEntity> = { userId, revokedAt: IsNull() };',
    replace:
      'const where: FindOptionsWhere<SessionEntity> =\n      sessionId !== undefined ? { revokedAt: IsNull() } : { userId, revokedAt: IsNull() };',
    specs: ['test/auth/sessions.e2e-spec.ts'],
  },
  {
    id: 'refresh-reuse-revokes-session',
    defence: 'presenting a spent refresh token revokes its session',
    file: 'src/sessions/sessions.service.ts',
    find: "const revoked = await this.revoke(\n        { userId: owner.userId, sessionId: owner.sessionId },\n        'refresh_token_reuse',\n      );",
    replace: 'const revoked: number = 0;',
    specs: ['test/auth/refresh.e2e-spec.ts'],
  },

  // Access tokens.
  {
    id: 'jwt-algorithm-pinned',
    defence:
      "each token is verified with its key's own algorithm, never one named by the header (no HS384 with the HS256 secret, no HMAC keyed with a public key)",
    file: 'src/auth/access-token-verifier.ts',
    find: "      if (!key || header.alg !== key.algorithm) return done(new Error('no such key'));\n      // passport-jwt hands the key, untouched, to its verifier below.\n      done(null, key as unknown as Buffer);",
    replace:
      "      if (!key) return done(new Error('no such key'));\n      done(null, { ...key, algorithm: header.alg } as unknown as Buffer);",
    specs: [JWT_ATTACKS, 'test/auth/forged-tokens.e2e-spec.ts'],
  },
  {
    id: 'signing-key-retired-window',
    defence:
      'a retired signing key verifies for one access-token lifetime after it stops signing, then never',
    file: 'src/signing-keys/key-schedule.ts',
    find: 'if (signsUntil === undefined || signsUntil > now - accessTtlMs)',
    replace: 'if (signsUntil === undefined || signsUntil > now - accessTtlMs * 1000)',
    specs: ['src/signing-keys/key-schedule.spec.ts', JWT_ATTACKS],
  },
  {
    id: 'signing-key-revoked',
    defence: 'a revoked (compromised) signing key verifies nothing',
    file: 'src/signing-keys/signing-key.repository.ts',
    find: "      where: { revokedAt: IsNull() },\n      order: { signsFrom: 'ASC' },",
    replace: "      order: { signsFrom: 'ASC' },",
    specs: [JWT_ATTACKS],
  },
  {
    id: 'verified-token-expiry',
    defence: 'a remembered verified token is served only until its exp',
    file: 'src/auth/verified-tokens.ts',
    find: 'entry.exp <= nowSeconds || ',
    replace: '',
    specs: ['src/auth/verified-tokens.spec.ts', JWT_ATTACKS],
  },
  {
    id: 'jwt-issuer',
    defence: 'access tokens must carry our issuer',
    file: JWT_STRATEGY,
    find: '      issuer: tokens.issuer,\n',
    replace: '',
    specs: [JWT_ATTACKS],
  },
  {
    id: 'jwt-audience',
    defence: 'access tokens must carry our audience',
    file: JWT_STRATEGY,
    find: '      audience: tokens.audience,\n',
    replace: '',
    specs: [JWT_ATTACKS],
  },
  {
    id: 'jwt-token-type',
    defence: 'only a token typed "access" is an access token',
    file: JWT_STRATEGY,
    find: 'if (typ !== ACCESS_TOKEN_TYPE || !isId(sub)',
    replace: 'if ((typ !== ACCESS_TOKEN_TYPE && typ === undefined) || !isId(sub)',
    specs: [JWT_ATTACKS],
  },
  {
    id: 'roles-guard-admin',
    defence: 'admin routes need the admin role',
    file: 'src/auth/roles.guard.ts',
    find: 'if (!user || !roles.includes(user.role))',
    replace: 'if (!user)',
    specs: ['test/users/users.e2e-spec.ts'],
  },

  // Step-up.
  {
    id: 'step-up-factor-for-credential-change',
    defence: 'with a second factor on, a credential change needs that factor in the request',
    file: STEP_UP,
    find: 'const needsFactor = user.account.mfaEnabled;',
    replace: 'const needsFactor = false;',
    specs: [STEP_UP_SPEC],
  },
  {
    id: 'step-up-proof-max-age',
    defence: 'a sensitive operation without a proof needs one made within STEP_UP_MAX_AGE',
    file: STEP_UP,
    find: 'if (age === null || age > this.maxAgeSeconds)',
    replace: 'if (age === null || (age > this.maxAgeSeconds && age < 0))',
    specs: [STEP_UP_SPEC],
  },

  // Account links.
  {
    id: 'account-link-credentials-version',
    defence: 'reset and email-change links die when the credentials version moves on',
    file: 'src/account/account-token.repository.ts',
    find: 'AND (t.credentials_version IS NULL OR t.credentials_version = u.credentials_version)',
    replace: 'AND TRUE',
    specs: ['test/integrity/account-takeover.e2e-spec.ts'],
  },
  {
    id: 'password-min-length',
    defence: 'a password has at least 12 characters',
    file: 'src/account/password-policy.ts',
    find: 'if (length < PASSWORD_MIN_LENGTH) violations.push(m.tooShort);',
    replace: 'if (length < 8) violations.push(m.tooShort);',
    specs: ['src/account/password-policy.spec.ts'],
  },

  // Second factors.
  {
    id: 'second-factor-failure-limit',
    defence: 'second-factor guesses are counted and limited per network and per account',
    file: 'src/rate-limit/second-factor-limiter.ts',
    find: 'return this.counter.reserve(userId, client);',
    replace: 'void [userId, client];\n    return Promise.resolve();',
    specs: ['test/integrity/account-takeover.e2e-spec.ts'],
  },
  {
    id: 'totp-replay',
    defence: 'a TOTP code is accepted once: its time step must be later than the last used one',
    file: 'src/mfa/totp.repository.ts',
    find: 'lastUsedStep: Or(IsNull(), LessThan(String(step))),',
    replace: 'lastUsedStep: Or(IsNull(), LessThan(String(step + 1))),',
    specs: ['test/mfa/totp.e2e-spec.ts'],
  },
  {
    id: 'passkey-challenge',
    defence: 'a passkey assertion must answer a live challenge issued for its purpose and user',
    file: 'src/mfa/passkeys/passkey-assertions.ts',
    find: 'expectedChallenge: (challenge) =>\n          this.challenges.consume(sha256Hex(challenge), purpose, userId),',
    replace:
      'expectedChallenge: () => {\n          void [purpose, userId];\n          return true;\n        },',
    specs: ['test/mfa/passkey-challenges.e2e-spec.ts'],
  },
  {
    id: 'passkey-signature-counter',
    defence: "a passkey's signature counter must grow (a cloned authenticator is refused)",
    file: 'src/mfa/passkeys/passkey.repository.ts',
    find: 'WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))',
    replace: 'WHERE id = $1',
    specs: ['test/mfa/passkey-counter.e2e-spec.ts'],
  },
  {
    id: 'passkey-remove-owner',
    defence: "removing a passkey is scoped to its owner: another user's passkey id is a 404",
    file: 'src/mfa/passkeys/passkey.repository.ts',
    find: 'return (await this.delete({ userId, id })) > 0;',
    replace: 'void userId;\n    return (await this.delete({ id })) > 0;',
    specs: ['test/mfa/passkeys-soft-authenticator.e2e-spec.ts'],
  },

  // Field encryption and the audit trail.
  {
    id: 'field-cipher-aad-row',
    defence: 'a ciphertext is bound to its row: copied to another row it fails to decrypt',
    file: CIPHER,
    find: 'JSON.stringify([VERSION, keyId, table, column, rowId])',
    replace: 'JSON.stringify([VERSION, keyId, table, column])',
    specs: ['src/crypto/field-cipher.spec.ts'],
  },
  {
    id: 'field-cipher-auth-tag',
    defence: 'decryption verifies the GCM tag (final()) before returning anything',
    file: CIPHER,
    find: "return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');",
    replace: "return decipher.update(ciphertext).toString('utf8');",
    specs: ['src/crypto/field-cipher.spec.ts'],
  },
  {
    id: 'audit-chain-hash',
    defence: "the audit chain's verification recomputes every event's hash",
    file: 'src/audit/audit.service.ts',
    find: 'computeAuditHash(event.prevHash, event, key) === event.hash;',
    replace: 'computeAuditHash(event.prevHash, event, key).length === event.hash.length;',
    specs: ['test/audit/audit-trail.e2e-spec.ts'],
  },

  // Rate limits.
  {
    id: 'redis-counter-atomic',
    defence:
      'a Redis throttle counter is incremented and compared in one atomic step (no read-then-write)',
    file: 'src/rate-limit/redis-throttler.storage.ts',
    find: `    const [hits, left, blocked, blockLeft] = await this.redis.throttleHit(
      ...keysOf(key, name),
      ttl,
      limit,
      blockDuration,
    );`,
    replace: `    const [hitsKey, blockKey] = keysOf(key, name);
    const hits = Number((await this.redis.get(hitsKey)) ?? 0) + 1;
    await this.redis.set(hitsKey, String(hits), 'PX', ttl);
    const left = ttl;
    const blockedFor = await this.redis.pttl(blockKey);
    const blocked = blockedFor > 0 || hits > limit ? 1 : 0;
    if (blocked === 1 && blockedFor <= 0) await this.redis.set(blockKey, '1', 'PX', blockDuration);
    const blockLeft = blockedFor > 0 ? blockedFor : blocked * blockDuration;`,
    specs: [
      'src/rate-limit/redis-throttler.storage.spec.ts',
      'src/rate-limit/account-limiter.spec.ts',
    ],
  },
  {
    id: 'login-rate-limit',
    defence: 'POST /api/auth/login is under the auth throttler (AUTH_RATE_LIMIT_MAX per IP)',
    file: 'src/sign-in/sign-in.controller.ts',
    // The one @AuthRateLimit() of the controller becomes a decorator that does nothing.
    find: "import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';",
    replace: 'const AuthRateLimit = (): MethodDecorator => () => undefined;',
    specs: [RATE_LIMIT_SPEC],
  },
  {
    id: 'register-rate-limit',
    defence: 'POST /api/auth/register is under the auth throttler (AUTH_RATE_LIMIT_MAX per IP)',
    file: 'src/account/registration.controller.ts',
    // The one @AuthRateLimit() of the controller becomes a decorator that does nothing.
    find: "import { AuthRateLimit } from '../rate-limit/auth-rate-limit.decorator';",
    replace: 'const AuthRateLimit = (): MethodDecorator => () => undefined;',
    specs: [RATE_LIMIT_SPEC],
  },
  {
    id: 'registration-answers-after-lookup',
    defence:
      'with REQUIRE_VERIFIED_EMAIL=true, register answers before the address is looked up (no timing tell)',
    file: 'src/account/registration.service.ts',
    // The deferred work runs inline: the answer waits for the lookup and the rows it writes.
    find: "this.deferred.run('registration', () =>",
    replace:
      "await ((_label: string, work: () => Promise<void>) => this.deferred.drain().then(work))('registration', () =>",
    specs: ['test/lifecycle/registration-enumeration.e2e-spec.ts'],
  },
  {
    id: 'pepper-rotation-rehash',
    defence: 'a hash under a retired pepper is renewed under the active one at the next sign-in',
    file: 'src/crypto/password-hasher.service.ts',
    find: 'pepperId !== this.peppers.activeId',
    replace: 'pepperId !== pepperId',
    specs: ['test/auth/rehash.e2e-spec.ts'],
  },
  {
    id: 'audit-key-id-recorded',
    defence:
      'each audit event records the key it was chained under, so a key rotation keeps the trail verifiable',
    file: 'src/audit/audit.service.ts',
    find: 'const keyId = this.keys.activeId;',
    replace: 'const keyId = DEFAULT_AUDIT_KEY_ID;',
    specs: ['test/audit/audit-key-rotation.e2e-spec.ts'],
  },
  {
    id: 'security-log-403-caller',
    defence: 'a 403 from a guard after authentication is logged with the caller, not as anonymous',
    file: 'src/logging/security-log.hook.ts',
    find: '?? authenticatedId(request) ',
    replace: '?? [authenticatedId][1] ',
    specs: ['test/audit/security-log.e2e-spec.ts'],
  },
  {
    id: 'redis-tls-policy',
    defence: 'rediss:// and SMTP connections take only the outbound TLS policy (1.2+, AEAD suites)',
    file: 'src/crypto/tls-policy.ts',
    find: '    ...TLS_CLIENT_POLICY,\n    rejectUnauthorized: true,',
    replace: '    ...(TLS_CLIENT_POLICY && {}),\n    rejectUnauthorized: true,',
    specs: ['test/foundation/redis-tls.e2e-spec.ts'],
  },
  {
    id: 'redis-tls-verify',
    defence: "a rediss:// or SMTP server's certificate is verified",
    file: 'src/crypto/tls-policy.ts',
    find: 'rejectUnauthorized: true,',
    replace: 'rejectUnauthorized: !true,',
    specs: ['test/foundation/redis-tls.e2e-spec.ts'],
  },
  {
    id: 'account-failure-limit',
    defence: 'password guesses are counted and limited per account (LOGIN_FAILURE_MAX)',
    file: 'src/rate-limit/account-limiter.ts',
    find: 'return this.counter.reserve(normaliseEmail(email), client);',
    replace: 'void [email, client];\n    return Promise.resolve();',
    specs: ['test/rate-limit/account-limit.e2e-spec.ts'],
  },

  // Requests and answers.
  {
    id: 'validation-forbid-non-whitelisted',
    defence: 'an unknown body property is a 400, not silently dropped',
    file: VALIDATION,
    find: 'forbidNonWhitelisted: true,',
    replace: 'forbidNonWhitelisted: false,',
    specs: ['test/security/hostile-bodies.e2e-spec.ts'],
  },
  {
    id: 'validation-whitelist',
    defence: 'only declared DTO properties reach a handler',
    file: VALIDATION,
    find: 'whitelist: true,',
    replace: 'whitelist: false,',
    specs: ['test/security/hostile-bodies.e2e-spec.ts'],
  },
  {
    id: 'csp-header',
    defence: 'every API answer carries the strict Content-Security-Policy',
    file: HEADERS,
    find: "  'content-security-policy': API_CSP,\n",
    replace: '',
    specs: ['test/security/http-hardening.e2e-spec.ts'],
  },
  {
    id: 'hsts-header',
    defence: 'every answer carries Strict-Transport-Security (a year, subdomains, preload)',
    file: HEADERS,
    find: 'strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true, preload: true },',
    replace: 'strictTransportSecurity: false,',
    specs: ['test/security/http-hardening.e2e-spec.ts'],
  },
  {
    id: 'refresh-cookie-httponly',
    defence: 'the refresh cookie is HttpOnly',
    file: COOKIE,
    find: 'httpOnly: true, secure',
    replace: 'httpOnly: false, secure',
    specs: [LOGIN_SPEC],
  },
  {
    id: 'refresh-cookie-secure',
    defence: 'the refresh cookie is Secure',
    file: COOKIE,
    find: 'secure: true, sameSite',
    replace: 'secure: false, sameSite',
    specs: [LOGIN_SPEC],
  },
  {
    id: 'refresh-cookie-samesite',
    defence: 'the refresh cookie is SameSite=Strict',
    file: COOKIE,
    find: "sameSite: 'strict', path",
    replace: "sameSite: 'lax', path",
    specs: [LOGIN_SPEC],
  },
  {
    id: 'refresh-cookie-host-prefix',
    defence: 'the refresh cookie is __Host- prefixed (no subdomain can set or shadow it)',
    file: COOKIE,
    find: "export const REFRESH_COOKIE = '__Host-refresh_token';",
    replace: "export const REFRESH_COOKIE = 'refresh_token';",
    specs: [LOGIN_SPEC],
  },
  {
    id: 'reencrypt-reaches-every-encrypted-column',
    defence:
      "key rotation re-encrypts every encrypted column (TOTP secrets, queued mail), not only the users' sensitive fields",
    file: 'src/key-rotation/reencrypt.service.ts',
    find: 'this.tables = encryptedTablesOf(dataSource);',
    replace:
      "this.tables = encryptedTablesOf(dataSource).filter((table) => table.entity.tableName === 'users');",
    specs: ['test/crypto/key-rotation.e2e-spec.ts'],
  },
  {
    id: 'unknown-account-cost-from-bcrypt-hashes',
    defence:
      "an unknown email's dummy check costs what the stored bcrypt hashes cost, whatever else a row holds",
    file: 'src/users/user.repository.ts',
    find: ".where(`u.passwordHash ~ '^\\\\$2[aby]\\\\$[0-9]{2}\\\\$'`)",
    replace: ".where('true')",
    specs: ['test/security/enumeration.e2e-spec.ts'],
  },
  {
    id: 'mfa-required-for-all',
    defence: 'MFA_REQUIRED_FOR_ALL refuses a one-factor session outside enrolment',
    file: 'src/config/config-of.ts',
    find: 'requiredForAll: env.MFA_REQUIRED_FOR_ALL ?? false,',
    replace: 'requiredForAll: false,',
    specs: ['test/mfa/mfa-required-for-all.e2e-spec.ts'],
  },
  {
    id: 'refresh-cookie-foreign-origin',
    defence: 'the refresh cookie is refused (refresh and logout) from a foreign Origin',
    file: COOKIE,
    find: '(origin !== undefined && !trustedOrigins.has(origin))',
    replace: '(origin !== undefined && !trustedOrigins.has(origin) && origin.length < 0)',
    specs: ['test/auth/token-delivery.e2e-spec.ts', 'test/auth/refresh-cookie-origin.e2e-spec.ts'],
  },
  {
    id: 'logout-bearer-present-must-be-valid',
    defence:
      'a route taking the bearer or the refresh cookie still refuses a bad bearer that is present',
    file: 'src/auth/jwt-auth.guard.ts',
    find: 'if (optional && request.headers.authorization === undefined) return true;',
    replace: 'if (optional && request.headers !== undefined) return true;',
    specs: ['test/auth/token-delivery.e2e-spec.ts'],
  },
  {
    id: 'token-delivery-cookie-only',
    defence: 'X-Token-Delivery: cookie keeps the refresh token out of the body',
    file: COOKIE,
    find: "if (reply.request.headers[TOKEN_DELIVERY_HEADER] !== 'cookie') return pair;",
    replace: 'return pair;',
    specs: ['test/auth/token-delivery.e2e-spec.ts'],
  },
  {
    id: 'logout-clear-site-data',
    defence: 'logout tells the browser to drop what it cached and stored for the site',
    file: COOKIE,
    find: '  void reply.header(\'Clear-Site-Data\', \'"cache", "storage"\');\n',
    replace: '',
    specs: ['test/auth/token-delivery.e2e-spec.ts'],
  },
  {
    id: 'recovery-code-entropy',
    defence: 'recovery codes carry at least 128 random bits',
    file: 'src/crypto/random.ts',
    find: '[...randomBytes(28)]',
    replace: '[...randomBytes(20)]',
    specs: ['src/mfa/recovery-codes.service.spec.ts'],
  },
  {
    id: 'mail-link-fragment',
    defence: "a mail link's token rides in the fragment, never in a URL a server logs",
    file: 'src/mail/mail-renderer.ts',
    find: '${path}#token=',
    replace: '${path}?token=',
    specs: ['src/mail/mail-renderer.spec.ts'],
  },

  // Configuration.
  {
    id: 'production-placeholder-secret',
    defence: 'in production a secret that looks like a placeholder is refused',
    file: 'src/config/production-rules.ts',
    find: '/change[-_ ]?me|replace[-_ ]?me|placeholder|example|secret|password|^x+$|^(.)\\1+$/i',
    replace: '/(?!)/',
    specs: ['src/config/load-env.spec.ts'],
  },

  // The security log leaves the host (ASVS 16.4.3).
  {
    id: 'log-shipping-transport',
    defence: 'with a collector configured, every security log entry is also shipped to it',
    file: 'src/logging/security-logger.service.ts',
    find: 'this.logger.add(this.shipping.transport);',
    replace: 'void this.shipping.transport;',
    specs: ['test/observability/log-shipping.e2e-spec.ts'],
    build: true,
  },
  {
    id: 'log-shipping-warn-once',
    defence: 'a collector outage is warned about once, not once per failed batch',
    file: 'src/logging/otlp-log-shipping.ts',
    find: 'if (this.lostInOutage === 0) this.report.outageBegan(reason, detail);',
    replace: 'this.report.outageBegan(reason, detail);',
    specs: ['test/observability/log-shipping.e2e-spec.ts'],
    build: true,
  },

  // Account enumeration through login.
  {
    id: 'login-unknown-email-dummy-hash',
    defence: 'a login for an unknown email still does one bcrypt comparison (a dummy hash)',
    file: PASSWORD_SIGN_IN,
    find: ': await this.unknownAccount.verify(dto.password);',
    replace: ': !this.unknownAccount;',
    specs: ['src/sign-in/password-sign-in.service.spec.ts'],
  },
  {
    id: 'login-unknown-email-same-answer',
    defence: 'a login for an unknown email fails with the same 401 as a wrong password',
    file: PASSWORD_SIGN_IN,
    find: 'throw new UnauthorizedException(SIGN_IN_ERRORS.INVALID_CREDENTIALS);',
    replace:
      "throw new UnauthorizedException(\n      reason === 'unknown_email' ? 'No such account' : SIGN_IN_ERRORS.INVALID_CREDENTIALS,\n    );",
    specs: ['test/security/enumeration.e2e-spec.ts'],
  },

  // Sign-in with identity providers (src/sign-in/providers/).
  {
    id: 'oidc-state-check',
    defence: "a provider callback's state must be the one sealed in this browser's flow cookie",
    file: PROVIDER_SIGN_IN,
    find: 'if (!flow || !digestsEqual(sha256Hex(state), sha256Hex(flow.state)))',
    replace: 'if (!flow || !state)',
    specs: [CALLBACK_ATTACKS],
  },
  {
    id: 'oidc-state-single-use',
    defence: 'a flow cookie serves one callback: its state is spent',
    file: PROVIDER_SIGN_IN,
    find: 'if (!(await this.codes.spendState(sha256Hex(flow.state), FLOW_TTL_SECONDS)))',
    replace:
      'if (!(await this.codes.spendState(sha256Hex(flow.state), FLOW_TTL_SECONDS)) && !flow)',
    specs: [CALLBACK_ATTACKS],
  },
  {
    id: 'oidc-flow-cookie-expiry',
    defence: 'a flow cookie is refused after its 10 minutes, whatever the browser kept',
    file: 'src/sign-in/providers/flow-cookie.ts',
    find: 'Date.now() < flow.expiresAt ? flow : undefined',
    replace: 'Date.now() < flow.expiresAt + 86_400_000 ? flow : undefined',
    specs: [CALLBACK_ATTACKS],
  },
  {
    id: 'oidc-id-token-signature',
    defence: "an ID token's signature is checked against the provider's JWKS",
    file: 'src/sign-in/providers/provider-clients.ts',
    find: "if (provider.type === 'oidc') client.enableNonRepudiationChecks(config);",
    replace: "if (provider.type === 'oidc') void client.enableNonRepudiationChecks;",
    specs: ['test/identity-providers/provider-trust.e2e-spec.ts'],
  },
  {
    id: 'oidc-link-unverified-address',
    defence:
      'an address links an existing account only with linkVerifiedEmail and both sides verified',
    file: LINKER,
    find: 'if (!provider.linkVerifiedEmail || !profile.emailVerified || !local.emailVerified)',
    replace: 'if (!provider.linkVerifiedEmail)',
    specs: [LINK_BY_ADDRESS],
  },
  {
    id: 'oidc-sign-up-unverified-address',
    defence: 'a new account needs an address the provider says it verified',
    file: LINKER,
    find: "if (!profile.emailVerified) throw new ProviderSignInRefused('email_not_verified');",
    replace: "if (!profile.email) throw new ProviderSignInRefused('email_not_verified');",
    specs: [LINK_BY_ADDRESS, 'test/identity-providers/github.e2e-spec.ts'],
  },
  {
    id: 'github-verified-primary',
    defence: "only GitHub's primary address counts, and only when GitHub verified it",
    file: 'src/sign-in/providers/provider-profile.ts',
    find: 'e?.primary === true && e.verified === true',
    replace: 'e?.primary === true',
    specs: ['test/identity-providers/github.e2e-spec.ts'],
  },
  {
    id: 'oidc-code-binding',
    defence: "a provider sign-in's code is exchanged only with the browser's result cookie",
    file: PROVIDER_SIGN_IN,
    find: '!digestsEqual(issued.bindingHash, sha256Hex(binding))',
    replace: '!digestsEqual(issued.bindingHash, issued.bindingHash)',
    specs: [CODE_EXCHANGE],
  },
  {
    id: 'oidc-code-credentials-version',
    defence: 'a credential event between the callback and the exchange kills the code',
    file: PROVIDER_SIGN_IN,
    find: '!found.user.isActive || found.credentialsVersion !== issued.credentialsVersion',
    replace: '!found.user.isActive',
    specs: [CODE_EXCHANGE],
  },
  {
    id: 'oidc-last-way-in',
    defence: 'unlinking never removes the last way into an account',
    file: 'src/sign-in/providers/identities.service.ts',
    find: 'if (!others) throw new ConflictException(LAST_WAY_IN);',
    replace: 'if (!others && mine.length === 0) throw new ConflictException(LAST_WAY_IN);',
    specs: ['test/identity-providers/link-from-session.e2e-spec.ts'],
  },

  // The Redis users (docker/redis/users.acl): least privilege for the application, no default user.
  {
    id: 'redis-acl-all-commands',
    defence: "the application's Redis user may run only the commands the code sends",
    file: REDIS_ACL,
    find: '-@all +ping',
    replace: '+@all +ping',
    specs: [REDIS_ACL_SPEC],
  },
  {
    id: 'redis-acl-all-keys',
    defence: "the application's Redis user may touch only its own key prefixes",
    file: REDIS_ACL,
    find: '~throttle:* ~audit-anchor:*',
    replace: '~*',
    specs: [REDIS_ACL_SPEC],
  },
  {
    id: 'redis-acl-default-user-on',
    defence: "Redis's password-less default user is off",
    file: REDIS_ACL,
    find: 'user default off resetpass',
    replace: 'user default on nopass ~* &* +@all',
    specs: [REDIS_ACL_SPEC],
  },
];
