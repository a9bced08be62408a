/**
 * A complete production configuration: every variable production requires, each strong enough to
 * pass the start-up checks (none is a real secret). The one copy behind the config unit tests, the
 * production start e2e and apps spawned in production mode; each overrides what it needs.
 */
export const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  JWT_SECRET: 'q8Vf2LrX9pZ0mWc4Tn7Yb1Kd6Hs3Ja5Ue8Gi0Ox2Pl',
  JWT_REFRESH_SECRET: 'Zt4Nw8Qe1Ry6Ui3Op9As2Df7Gh5Jk0Lz4Xc8Vb1Nm',
  JWT_ISSUER: 'https://auth.example.org',
  JWT_AUDIENCE: 'api.example.org',
  ENCRYPTION_KEY: 'a3f1c9e27b5d4086f1e2d3c4b5a69788b4e2d0f38c6e5197a2f3e4d5c6b7a899',
  PASSWORD_PEPPER: 'Mv7Qx2Lp9Zr4Tw1Ky8Hb3Nd6Fs0Gc5Jt2We9Ua4Io',
  AUDIT_HMAC_KEY: 'Hq3Wz8Ek5Rt1Yu7Ip2Oa9Sd4Fg6Jh0Kl3Zx5Cv8Bn',
  PUBLIC_APP_URL: 'https://app.example.org',
  PUBLIC_API_URL: 'https://app.example.org',
  DATABASE_URL:
    'postgresql://app:aTxPFKNvB97tBM06ktpJ6VMpOCls7A4j@db.internal:5432/app?sslmode=verify-full',
  SMTP_URL: 'smtp://mailer:RPuHMj4YVXZaeiQArK4viHJfYiGQpFcd@smtp.example.org:587',
  MAIL_FROM: '"Example" <no-reply@example.org>',
  WEBAUTHN_RP_ID: 'example.org',
  WEBAUTHN_ORIGINS: 'https://app.example.org',
};
