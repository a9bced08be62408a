import type * as HandlebarsModule from 'handlebars';
import type * as NodemailerModule from 'nodemailer';
import type MailComposerModule from 'nodemailer/lib/mail-composer';

// Loaded on first use, not at start: Handlebars and nodemailer add ~9 and ~13 MB of RSS that an
// instance which never renders or sends a mail should not pay (the RSS goal in docs/BENCHMARKS.md:
// ≤ 200 MB). require() rather than import(): the build is CommonJS, and jest's module registry
// cannot run import().

export function loadHandlebars(): typeof HandlebarsModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('handlebars') as typeof HandlebarsModule;
}

export function loadNodemailer(): typeof NodemailerModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('nodemailer') as typeof NodemailerModule;
}

export function loadMailComposer(): typeof MailComposerModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('nodemailer/lib/mail-composer') as { default: typeof MailComposerModule })
    .default;
}
