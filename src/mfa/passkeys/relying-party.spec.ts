import { RelyingParty, userHandleOf } from './relying-party';

describe('RelyingParty', () => {
  it('carries the configured RP id, name and origins, a copy that later edits of the list do not reach', () => {
    const origins = ['https://app.example.org'];
    const rp = new RelyingParty({ rpId: 'example.org', rpName: 'app.example.org', origins });
    origins.push('https://evil.test');
    expect(rp).toEqual({
      id: 'example.org',
      name: 'app.example.org',
      origins: ['https://app.example.org'],
    });
  });

  it('the user handle is the account id’s 16 bytes, with no address or name in it', () => {
    const handle = userHandleOf('6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f');
    expect(handle).toHaveLength(16);
    expect(handle.toString('hex')).toBe('6f1c2d3e4a5b4c6d8e9f0a1b2c3d4e5f');
  });
});
