import type { TemplateDelegate } from 'handlebars';
import { loadHandlebars } from './lazy-modules';
import type { MailSettings } from './mail-settings';
import { HTML_LAYOUT, TEXT_FOOTER } from './templates/layout';
import type { MailTemplate } from './templates/mail-template';
import { MAIL_TEMPLATES, type MailData, type MailPurpose } from './templates/mail-templates';

/** A mail as it will be sent, rendered once at enqueue time. */
export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  /** The one-time link the mail carries, when its purpose has one. */
  link?: string;
}

interface Compiled {
  subject: TemplateDelegate;
  text: TemplateDelegate;
  html: TemplateDelegate;
}

/**
 * Renders mails with Handlebars: logic-less templates, HTML-escaped by default, `strict` so a
 * value missing from the data throws (inside the caller's transaction, which then rolls back,
 * rather than in the worker after the change has committed). Handlebars is loaded and each
 * purpose compiled on first use.
 */
export class MailRenderer {
  private engine?: ReturnType<ReturnType<typeof loadHandlebars>['create']>;
  private layout?: TemplateDelegate;
  private footer?: TemplateDelegate;
  private readonly compiled = new Map<MailPurpose, Compiled>();

  constructor(private readonly settings: MailSettings) {}

  render<P extends MailPurpose>(purpose: P, data: MailData<P>): RenderedMail {
    const template = MAIL_TEMPLATES[purpose] as MailTemplate<MailData<P>>;
    const compiled = this.compile(purpose, template);
    const link = template.linkPath ? this.link(template.linkPath, data) : undefined;
    const { appName, appUrl } = this.settings;
    const context = {
      ...checkedView(template.view(data)),
      appName,
      appUrl,
      ...(link ? { link } : {}),
    };
    // A subject is one header line whatever the data holds.
    const subject = compiled.subject(context).replace(/\s+/g, ' ').trim();
    const body = compiled.html(context);
    return {
      subject,
      text: compiled.text(context) + this.footer!(context),
      html: this.layout!({ ...context, subject, body }),
      ...(link ? { link } : {}),
    };
  }

  /** PUBLIC_APP_URL + path + the token: the only way a link enters a mail. */
  private link(path: string, data: unknown): string {
    const token = (data as { token?: unknown }).token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new Error('this mail carries a one-time link: its data needs a token');
    }
    return `${this.settings.appUrl}${path}#token=${encodeURIComponent(token)}`;
  }

  private compile(purpose: MailPurpose, template: MailTemplate<never>): Compiled {
    const cached = this.compiled.get(purpose);
    if (cached) return cached;
    const engine = (this.engine ??= loadHandlebars().create());
    const escaped = { strict: true };
    const plain = { strict: true, noEscape: true };
    this.layout ??= engine.compile(HTML_LAYOUT, escaped);
    this.footer ??= engine.compile(TEXT_FOOTER, plain);
    const compiled = {
      subject: engine.compile(template.subject, plain),
      text: engine.compile(template.text, plain),
      html: engine.compile(template.html, escaped),
    };
    this.compiled.set(purpose, compiled);
    return compiled;
  }
}

// Handlebars' strict mode throws on a missing key but not on a key whose value is undefined.
function checkedView(view: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(view)) {
    if (typeof value !== 'string') throw new Error(`mail data: ${key} is missing`);
  }
  return view;
}
