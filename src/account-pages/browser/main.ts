/**
 * The one script of the account pages: each page names itself in `<body data-page>` and runs its
 * part. Bundled by esbuild (scripts/build-pages.js) into a hashed file under /assets/.
 */
import { accountPage } from './account';
import {
  confirmEmailPage,
  forgotPasswordPage,
  resetPasswordPage,
  verifyEmailPage,
} from './link-pages';
import { failureMessage, sayError } from './dom';
import { registerPage } from './register';
import { signInPage } from './sign-in';
import { signedInPage } from './signed-in';

const PAGES: Record<string, () => void | Promise<void>> = {
  'sign-in': signInPage,
  register: registerPage,
  'verify-email': verifyEmailPage,
  'forgot-password': forgotPasswordPage,
  'reset-password': resetPasswordPage,
  'confirm-email': confirmEmailPage,
  account: accountPage,
  'signed-in': signedInPage,
};

const page = PAGES[document.body.dataset.page ?? ''];
if (page)
  void Promise.resolve()
    .then(page)
    .catch((error: unknown) => sayError(failureMessage(error)));
