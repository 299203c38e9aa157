import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Keeps an incoming request id only when it is safe to echo and log; otherwise makes a new UUID. */
export function acceptOrCreateRequestId(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? undefined : incoming;
  return value !== undefined && VALID_REQUEST_ID.test(value) ? value : randomUUID();
}
