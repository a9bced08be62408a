import {
  PROVIDER_ERROR_REASONS,
  providerErrorSentence,
  readProviderResult,
} from './browser/provider-result';

describe('readProviderResult', () => {
  it.each([
    ['#code=abc_DEF-123', { kind: 'code', code: 'abc_DEF-123' }],
    ['code=abc', { kind: 'code', code: 'abc' }],
    ['#error=access_denied', { kind: 'error', reason: 'access_denied' }],
    ['#error=link_required&code=abc', { kind: 'error', reason: 'link_required' }],
    ['#linked=github', { kind: 'linked', provider: 'github' }],
    ['#code=', { kind: 'none' }],
    ['#token=abc', { kind: 'none' }],
    ['', { kind: 'none' }],
  ])('%s → %o', (hash, expected) => expect(readProviderResult(hash)).toEqual(expected));
});

describe('providerErrorSentence', () => {
  it('has its own sentence for each of the eight reasons the callback sends', () => {
    const sentences = PROVIDER_ERROR_REASONS.map(providerErrorSentence);
    expect(PROVIDER_ERROR_REASONS).toHaveLength(8);
    expect(new Set(sentences).size).toBe(8);
    expect(sentences).not.toContain(providerErrorSentence('no_such_reason'));
    for (const sentence of sentences) expect(sentence).toMatch(/^[A-Z].*\.$/);
  });

  it('tells a user with a local account to sign in and link', () =>
    expect(providerErrorSentence('link_required')).toMatch(/Sign in .* password .* link/));

  it('falls back to a plain sentence for an unknown reason, never echoing it', () => {
    expect(providerErrorSentence('<script>')).not.toContain('<script>');
    expect(providerErrorSentence('toString')).toMatch(/did not finish/);
  });
});
