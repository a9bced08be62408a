/** Small DOM helpers: elements by id, messages, and building elements from text (never innerHTML). */

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from the page`);
  return element as T;
}

export function input(id: string): HTMLInputElement {
  return byId<HTMLInputElement>(id);
}

/** The page's live region (`aria-live`): screen readers announce what is written here. */
export function say(text: string, kind: 'info' | 'error' = 'info'): void {
  const message = byId('message');
  message.dataset.kind = kind;
  message.textContent = text;
}

export function sayError(text: string): void {
  say(text, 'error');
}

/** An element with text content (assigned as text: the API's strings are never parsed as HTML). */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text = '',
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** Handles a form's submit in script; the button stays disabled while the call runs. */
export function onSubmit(id: string, handler: (form: HTMLFormElement) => Promise<void>): void {
  const form = byId<HTMLFormElement>(id);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void busy(form, () => handler(form));
  });
}

/** Handles a button's click the same way. */
export function onClick(id: string, handler: () => Promise<void>): void {
  const button = byId<HTMLButtonElement>(id);
  button.addEventListener('click', () => void busy(button, handler));
}

async function busy(control: HTMLElement, work: () => Promise<void>): Promise<void> {
  const buttons =
    control instanceof HTMLButtonElement ? [control] : [...control.querySelectorAll('button')];
  for (const button of buttons) button.disabled = true;
  try {
    await work();
  } catch (error) {
    sayError(failureMessage(error));
  } finally {
    for (const button of buttons) button.disabled = false;
  }
}

/**
 * fetch rejects (a TypeError) only when the service cannot be reached; WebAuthn rejects with a
 * DOMException when the user cancels or no authenticator answers.
 */
export function failureMessage(error: unknown): string {
  if (error instanceof TypeError) return 'The service cannot be reached.';
  if (error instanceof DOMException) return `${error.name}: the passkey step did not finish.`;
  return 'Something went wrong on this page; reload it and try again.';
}

/**
 * The token of a mail link (`#token=…`), taken out of the address bar at once so it stays out of
 * the history, a bookmark or a screenshot of the address.
 */
export function takeFragmentToken(): string | undefined {
  const token = new URLSearchParams(takeFragment().slice(1)).get('token') ?? undefined;
  return token || undefined;
}

/** The whole fragment (with its `#`, '' when none), taken out of the address bar the same way. */
export function takeFragment(): string {
  const { hash } = location;
  if (hash) history.replaceState(null, '', location.pathname + location.search);
  return hash;
}

export function show(id: string, visible = true): void {
  byId(id).hidden = !visible;
}

/** A text field of a form by its name ('' when absent). */
export function field(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name);
  return typeof value === 'string' ? value : '';
}
