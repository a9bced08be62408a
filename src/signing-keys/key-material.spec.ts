import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { asymmetricKey, newPrivateKeyPem, sharedSecretKey } from './key-material';

const message = Buffer.from('header.payload');

describe('key material', () => {
  it.each(['EdDSA', 'ES256'] as const)(
    '%s: the PEM the database keeps round-trips to a key whose derived public half verifies it',
    (algorithm) => {
      const pem = newPrivateKeyPem(algorithm);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const key = asymmetricKey('kid-1', algorithm, pem);
      // The same key comes back out: the PEM is all the row needs.
      expect(key.signingKey.export({ type: 'pkcs8', format: 'pem' })).toBe(pem);
      expect(key.signingKey.type).toBe('private');
      expect(key.verificationKey.type).toBe('public');
      const expectedPublic = createPublicKey(createPrivateKey(pem)).export({ format: 'jwk' });
      expect(key.verificationKey.export({ format: 'jwk' })).toEqual(expectedPublic);
      const digest = algorithm === 'EdDSA' ? null : 'sha256';
      const signature = sign(digest, message, key.signingKey);
      expect(verify(digest, message, key.verificationKey, signature)).toBe(true);
      expect(key).toMatchObject({ kid: 'kid-1', algorithm });
    },
  );

  it('two new keys differ', () => {
    expect(newPrivateKeyPem('EdDSA')).not.toBe(newPrivateKeyPem('EdDSA'));
  });

  it('publishes an Ed25519 key as an OKP JWK with only public members', () => {
    const { jwk } = asymmetricKey('ed', 'EdDSA', newPrivateKeyPem('EdDSA'));
    expect(jwk).toEqual({
      kid: 'ed',
      kty: 'OKP',
      alg: 'EdDSA',
      use: 'sig',
      crv: 'Ed25519',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  it('publishes a P-256 key as an EC JWK with x and y and no d', () => {
    const { jwk } = asymmetricKey('ec', 'ES256', newPrivateKeyPem('ES256'));
    expect(jwk).toEqual({
      kid: 'ec',
      kty: 'EC',
      alg: 'ES256',
      use: 'sig',
      crv: 'P-256',
      x: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      y: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  it('refuses a row whose key is not of its algorithm', () => {
    expect(() => asymmetricKey('k', 'EdDSA', newPrivateKeyPem('ES256'))).toThrow(
      'signing key k is not an EdDSA key',
    );
    expect(() => asymmetricKey('k', 'ES256', newPrivateKeyPem('EdDSA'))).toThrow(
      'signing key k is not an ES256 key',
    );
  });

  it('refuses an EC key on another curve for ES256', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => asymmetricKey('k', 'ES256', p384)).toThrow('not an ES256 key');
  });

  describe('the HS256 key from JWT_SECRET', () => {
    const secret = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(16);

    it('names the same kid for the same secret (every instance agrees), another for another', () => {
      expect(sharedSecretKey(secret).kid).toBe(sharedSecretKey(secret).kid);
      expect(sharedSecretKey(secret).kid).toMatch(/^hs-[A-Za-z0-9_-]{16}$/);
      expect(sharedSecretKey(`${secret}x`).kid).not.toBe(sharedSecretKey(secret).kid);
    });

    it('reveals nothing of the secret in its kid, and publishes no JWK', () => {
      const key = sharedSecretKey(secret);
      const encodings = [
        secret,
        Buffer.from(secret).toString('base64url'),
        Buffer.from(secret).toString('hex'),
      ];
      for (const encoded of encodings) {
        expect(key.kid).not.toContain(encoded.slice(0, 8));
        expect(encoded).not.toContain(key.kid.slice(3));
      }
      expect(key.jwk).toBeUndefined();
      expect(key.algorithm).toBe('HS256');
    });

    it('signs and verifies with one secret key built from the secret’s bytes', () => {
      const key = sharedSecretKey(secret);
      expect(key.signingKey.type).toBe('secret');
      expect(key.verificationKey).toBe(key.signingKey);
      expect(key.signingKey.export().toString('utf8')).toBe(secret);
    });
  });
});
