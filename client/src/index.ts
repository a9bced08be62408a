/**
 * The typed client of this service: `paths` and `components` come from openapi.json
 * (`npm run client` regenerates schema.d.ts), the calls from openapi-fetch, which adds
 * nothing but typing to `fetch`. Browser and Node alike:
 *
 *   const api = createApiClient({ baseUrl: 'http://localhost:3000' });
 *   const { data, error, response } = await api.POST('/api/auth/login', {
 *     body: { email, password },
 *     headers: { 'X-Token-Delivery': 'cookie' },
 *   });
 */
import createClient, { type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema';

export type { components, paths };

/** The request and response bodies by their OpenAPI schema name, e.g. `Schemas['TokenPair']`. */
export type Schemas = components['schemas'];

export type ApiClient = ReturnType<typeof createClient<paths>>;

export function createApiClient(options: ClientOptions = {}): ApiClient {
  return createClient<paths>(options);
}
