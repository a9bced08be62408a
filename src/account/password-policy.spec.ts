import { randomInt } from 'node:crypto';
import { isCommonPassword, loadCommonPasswords } from './common-passwords';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_POLICY_MESSAGES as M,
  type PasswordPolicySettings,
  passwordPolicyViolations,
} from './password-policy';

// A fixed password that meets every rule; each rule test breaks exactly one thing in it.
const STRONG = 'Vq7#mZ2!rK9$wLp';
const ALL_MESSAGES: string[] = Object.values(M);

describe('passwordPolicyViolations', () => {
  it('accepts the baseline strong password', () => {
    expect(passwordPolicyViolations(STRONG, {})).toEqual([]);
  });

  describe('length (code points after NFKC)', () => {
    it('rejects fewer than 12 and more than 128 characters', () => {
      expect(passwordPolicyViolations('Vq7#mZ2!rK9', {})).toEqual([M.tooShort]);
      const tooLong = STRONG + 'x'.repeat(PASSWORD_MAX_LENGTH + 1 - STRONG.length);
      expect(passwordPolicyViolations(tooLong, {})).toEqual([M.tooLong]);
    });

    it('accepts exactly 12 and exactly 128 characters', () => {
      expect(passwordPolicyViolations('Vq7#mZ2!rK9$', {})).toEqual([]);
      const max = STRONG + 'x'.repeat(PASSWORD_MAX_LENGTH - STRONG.length);
      expect(passwordPolicyViolations(max, {})).toEqual([]);
    });

    it('counts an astral character (two UTF-16 units) once', () => {
      const eleven = 'Vq7#' + '🦊'.repeat(7); // .length 18, 11 code points
      expect(eleven.length).toBeGreaterThanOrEqual(12);
      expect(passwordPolicyViolations(eleven, {})).toContain(M.tooShort);
      expect(passwordPolicyViolations('Vq7#' + '🦊'.repeat(8), {})).not.toContain(M.tooShort);
    });

    it('counts after NFKC, so a ligature expands to its letters', () => {
      const raw = 'Vq7#ﬃ2!ﬃ'; // 8 code points as typed, 12 after NFKC ('ﬃ' -> 'ffi')
      expect([...raw].length).toBe(8);
      expect(passwordPolicyViolations(raw, {})).toEqual([]);
    });
  });

  describe('character classes', () => {
    it.each([
      ['uppercase', 'vq7#mz2!rk9$wlp', M.noUppercase],
      ['lowercase', 'VQ7#MZ2!RK9$WLP', M.noLowercase],
      ['digit', 'Vqx#mZy!rKz$wLp', M.noDigit],
      ['special', 'Vq7xmZ2yrK9zwLp', M.noSpecial],
    ])('reports a missing %s', (_name, password, message) => {
      expect(passwordPolicyViolations(password, {})).toEqual([message]);
    });

    it('reports every missing class at once', () => {
      expect(passwordPolicyViolations('qzvbkmwtrxjplh', {})).toEqual([
        M.noUppercase,
        M.noDigit,
        M.noSpecial,
      ]);
    });

    it('accepts non-ASCII letters and treats space as special', () => {
      expect(passwordPolicyViolations('Žluťoučký kůň 7x', {})).toEqual([]);
    });
  });

  describe('common / breached passwords', () => {
    const list = loadCommonPasswords();

    it('loads a real list of at least 100,000 entries', () => {
      expect(list.size).toBeGreaterThanOrEqual(100_000);
      for (const known of ['123456', 'password', 'qwerty', 'iloveyou', 'p@ssw0rd', 'trustno1']) {
        expect(list.has(known)).toBe(true);
      }
    });

    it('rejects an exact hit whatever its case', () => {
      // 'qwertyuiop123' is in the list verbatim; it meets no class rule, the list still fires.
      expect(list.has('qwertyuiop123')).toBe(true);
      expect(passwordPolicyViolations('QwertyUiop123', {})).toEqual([M.noSpecial, M.common]);
    });

    // Each example passes every other rule, and the forms listed last are NOT in the list
    // (several leet spellings are), so only the named mechanism can be what rejects it.
    it.each([
      ['trailing digits/specials', 'Password123!', 'password', ['password123!']],
      ['trailing digits on a listed leet spelling', 'P@ssw0rd2024!', 'p@ssw0rd', ['p@ssw0rd2024!']],
      ['leading digits/specials', '2024!Football', 'football', ['2024!football', '2024!']],
      ['un-leet @ 0 3', 'Ch0c0l@te!2024', 'chocolate', ['ch0c0l@te!2024', 'ch0c0l@te']],
      ['1 read as l', 'He11oW0r1d!2024', 'helloworld', ['he11ow0r1d', 'hellow0rld']],
      ['1 read as i', 'Butterfl1es#77', 'butterflies', ['butterfl1es', 'butterflles']],
      ['leet 7 kept at the word edge', 'Minecraf7!2024', 'minecraft', ['minecraf', 'minecraf7']],
      ['leading $ kept as s', '$uperM0d3l#42', 'supermodel', ['$uperm0d3l', 'uperm0d3l']],
    ])('rejects %s: %s', (_how, password, word, notListed) => {
      expect(list.has(word)).toBe(true);
      for (const form of notListed) expect(list.has(form)).toBe(false);
      expect(passwordPolicyViolations(password, {})).toEqual([M.common]);
    });

    it('does not flag a password just because a short prefix is a list entry', () => {
      // 'ab' is in the list; variants under 4 characters are not looked up.
      expect(list.has('ab')).toBe(true);
      expect(isCommonPassword('Ab93!#20571@')).toBe(false);
    });

    it('applies NFKC before matching (full-width input)', () => {
      expect(passwordPolicyViolations('Ｐａｓｓｗｏｒｄ１２３！', {})).toEqual([M.common]);
    });
  });

  describe('username and email', () => {
    it('rejects a password containing the username, case-insensitively', () => {
      const v = passwordPolicyViolations('xALICEx9!Qz#', { username: 'Alice' });
      expect(v).toEqual([M.containsUsername]);
    });

    it('matches the username after NFKC (full-width letters in the password)', () => {
      expect(passwordPolicyViolations('xＡＬＩＣＥx9!Qz#', { username: 'alice' })).toEqual([
        M.containsUsername,
      ]);
    });

    it('ignores usernames shorter than 3 characters', () => {
      expect(passwordPolicyViolations(STRONG, { username: 'Vq' })).toEqual([]);
    });

    it('rejects the email local part, also without its +tag, but not the domain', () => {
      const email = 'Jane.Doe+shop@example.com';
      expect(passwordPolicyViolations('9#JANE.DOEq!Zw', { email })).toEqual([M.containsEmail]);
      expect(passwordPolicyViolations('9#Example.com!Zw', { email })).toEqual([]);
    });

    it('ignores email local parts shorter than 3 characters', () => {
      expect(passwordPolicyViolations(STRONG, { email: 'Vq@example.com' })).toEqual([]);
    });

    it('reports username and email together with other violations', () => {
      const v = passwordPolicyViolations('bob-smith', { username: 'bob', email: 'smith@x.io' });
      expect(v).toEqual([
        M.tooShort,
        M.noUppercase,
        M.noDigit,
        M.containsUsername,
        M.containsEmail,
      ]);
    });
  });

  describe('context words (ASVS 6.2.11)', () => {
    const settings: PasswordPolicySettings = {
      contextWords: ['secure-nest-foundation', 'example', 'orchid'],
      requireCharacterClasses: true,
    };

    it.each([
      ['the service name', 'Vq7#secure-nest-foundation'],
      ['the service name without separators', 'Vq7#SecureNestFoundation'],
      ['the service name with other separators', 'Vq7# Secure_Nest.Foundation'],
      ['a host label, any case', 'Vq7#mZ2!EXAMPLE'],
      ['an operator word', 'Vq7#mZ2!rKOrchid'],
      ['a word after NFKC (full-width letters)', 'Vq7#mZ2!ｏｒｃｈｉｄ'],
    ])('refuses %s', (_what, password) => {
      expect(passwordPolicyViolations(password, {}, settings)).toEqual([M.containsContextWord]);
    });

    it('accepts a password without them, and ignores words shorter than 3 characters', () => {
      expect(passwordPolicyViolations(STRONG, {}, settings)).toEqual([]);
      const short = { ...settings, contextWords: ['vq', ''] };
      expect(passwordPolicyViolations(STRONG, {}, short)).toEqual([]);
    });

    it('names the rule, never the word or the password', () => {
      const [message] = passwordPolicyViolations('Vq7#mZ2!rKOrchid', {}, settings);
      expect(message).toBe(M.containsContextWord);
      expect(message.toLowerCase()).not.toContain('orchid');
    });
  });

  describe('character classes switched off (ASVS 6.2.5)', () => {
    const settings: PasswordPolicySettings = { contextWords: [], requireCharacterClasses: false };

    it('accepts a long password of one class that is in no list', () => {
      expect(passwordPolicyViolations('correct horse battery staple', {}, settings)).toEqual([]);
      expect(passwordPolicyViolations('qzvbkmwtrxjplh', {}, settings)).toEqual([]);
    });

    it('keeps every other rule: length, the breached list, username, email, context words', () => {
      expect(passwordPolicyViolations('qzvbkmwtrxj', {}, settings)).toEqual([M.tooShort]);
      expect(passwordPolicyViolations('qwertyuiop123', {}, settings)).toEqual([M.common]);
      expect(passwordPolicyViolations('zz alice zz zz', { username: 'alice' }, settings)).toEqual([
        M.containsUsername,
      ]);
      const words = { ...settings, contextWords: ['orchid'] };
      expect(passwordPolicyViolations('my orchid garden path', {}, words)).toEqual([
        M.containsContextWord,
      ]);
    });

    it('is on by default: the four classes are required', () => {
      expect(passwordPolicyViolations('correct horse battery staple')).toEqual([
        M.noUppercase,
        M.noDigit,
      ]);
    });
  });

  it('never echoes the password: every message is one of the fixed messages', () => {
    for (const password of ['Password123!', 'hunter2', 'xALICEx9!Qz#', 'Ｐａｓｓ']) {
      const v = passwordPolicyViolations(password, { username: 'alice' });
      expect(v.length).toBeGreaterThan(0);
      for (const message of v) {
        expect(ALL_MESSAGES).toContain(message);
        expect(message.toLowerCase()).not.toContain(password.toLowerCase());
      }
    }
  });

  it('accepts strong random passwords', () => {
    const classes = [
      'ABCDEFGHJKLMNPQRSTUVWXYZ',
      'abcdefghijkmnopqrstuvwxyz',
      '23456789',
      '!#%&*+-=?^_~',
    ];
    const pick = (s: string) => s[randomInt(s.length)];
    for (let i = 0; i < 50; i++) {
      // One of each class, then 16 from all of them: 20 characters, ~120 bits.
      const chars = classes.map(pick);
      for (let j = 0; j < 16; j++) chars.push(pick(classes.join('')));
      const password = chars.join('');
      const context = { username: 'alice.w', email: 'alice.w@example.com' };
      expect(passwordPolicyViolations(password, context)).toEqual([]);
    }
  });
});

describe('SortedWordList', () => {
  it('finds exactly the listed words, first and last included', () => {
    const { SortedWordList } =
      jest.requireActual<typeof import('./common-passwords')>('./common-passwords');
    const list = new SortedWordList(
      Buffer.from(['alpha', 'beta', 'delta', 'gamma'].join('\n') + '\n', 'utf8'),
    );
    expect(list.size).toBe(4);
    for (const word of ['alpha', 'beta', 'delta', 'gamma']) expect(list.has(word)).toBe(true);
    for (const word of ['', 'alph', 'alphaa', 'c', 'zeta', 'gamma\n'])
      expect(list.has(word)).toBe(false);
  });

  it('agrees with a Set on the real list for every entry sampled and for near misses', () => {
    const list = loadCommonPasswords();
    for (const word of ['password', '123456', 'iloveyou', 'qwertyuiop123', 'ab']) {
      expect(list.has(word)).toBe(true);
      expect(list.has(`${word}\u0000`)).toBe(false);
    }
  });

  it('holds the real list in strictly ascending byte order, the order bisection relies on', () => {
    const list = loadCommonPasswords();
    let outOfOrder = 0;
    for (let i = 1; i < list.size; i++) {
      if (Buffer.compare(list.entry(i - 1), list.entry(i)) >= 0) outOfOrder++;
    }
    expect(outOfOrder).toBe(0);
  });

  it('finds a list entry with non-ASCII letters', () => {
    const list = loadCommonPasswords();
    const accented = Array.from({ length: list.size }, (_, i) =>
      list.entry(i).toString('utf8'),
    ).find((word) => Buffer.byteLength(word) !== word.length);
    expect(accented).toBeDefined();
    expect(list.has(accented as string)).toBe(true);
  });
});
