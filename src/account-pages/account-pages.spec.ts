import { ACCOUNT_PAGES, isAccountPagePath, PAGE_ALIASES } from './account-pages';

describe('isAccountPagePath', () => {
  it.each([
    ...[...ACCOUNT_PAGES, ...Object.keys(PAGE_ALIASES)].map((page) => `/${page}`),
    '/sign-in?next=1',
    '/assets/pages-X.js',
  ])('%s belongs to the pages', (url) => expect(isAccountPagePath(url)).toBe(true));

  it.each([
    '/api/auth/login',
    '/api/assets/x',
    '/sign-in/',
    '/signin',
    '/docs',
    '/health/live',
    '/',
  ])('%s does not', (url) => expect(isAccountPagePath(url)).toBe(false));
});
