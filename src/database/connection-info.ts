/** Where and how the application reaches PostgreSQL; `ca` is the PEM bundle that must sign the server. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM CA bundle; undefined means Node's system CAs. */
  ca?: string;
}
