import { setTimeout as sleep } from 'node:timers/promises';
import { StorageUnavailableError } from '../storage-errors';

export interface YandexDiskClientOptions {
  oauthToken: string;
  /** `https://cloud-api.yandex.net` in production; a local fake in tests. */
  apiUrl: string;
  timeoutMs: number;
  /** Extra attempts for idempotent calls on 429/5xx/network errors. */
  retries?: number;
  retryBaseDelayMs?: number;
}

/** A Yandex Disk API error body: `{ error: 'DiskNotFoundError', message, description }`. */
export class YandexDiskApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(`Yandex Disk answered ${status} ${code}`);
    this.name = 'YandexDiskApiError';
  }
}

const RETRYABLE = new Set([429, 500, 502, 503, 504]);

function isNetworkError(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === 'TypeError' || name === 'TimeoutError' || name === 'AbortError';
}

/**
 * The JSON part of the Yandex Disk REST API (`/v1/disk/...`): OAuth header, a per-request timeout, retries with
 * exponential backoff on 429/5xx for idempotent calls only (honouring `Retry-After`, capped). Never logs the token.
 */
export class YandexDiskClient {
  private readonly base: string;

  constructor(private readonly options: YandexDiskClientOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  /** Headers for the API and for the upload/download links it hands out. */
  authHeaders(): Record<string, string> {
    return { Authorization: `OAuth ${this.options.oauthToken}` };
  }

  async json<T>(
    method: 'GET' | 'PUT' | 'DELETE' | 'POST',
    path: string,
    query: Record<string, string | number>,
    idempotent: boolean,
  ): Promise<T | null> {
    const url = new URL(`${this.base}/v1/disk${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
    const attempts = idempotent ? 1 + (this.options.retries ?? 3) : 1;
    let lastError: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { ...this.authHeaders(), Accept: 'application/json' },
          signal: AbortSignal.timeout(this.options.timeoutMs),
          redirect: 'error',
        });
      } catch (error) {
        lastError = error;
        if (!isNetworkError(error) || attempt === attempts - 1) break;
        await this.backoff(attempt, null);
        continue;
      }
      if (response.ok) {
        const text = await response.text();
        return text ? (JSON.parse(text) as T) : null;
      }
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      const apiError = new YandexDiskApiError(response.status, typeof body.error === 'string' ? body.error.slice(0, 80) : 'UnknownError');
      if (RETRYABLE.has(response.status) && attempt < attempts - 1) {
        lastError = apiError;
        await this.backoff(attempt, response.headers.get('retry-after'));
        continue;
      }
      throw apiError;
    }
    if (lastError instanceof YandexDiskApiError) throw lastError;
    const name = (lastError as Error | undefined)?.name === 'TimeoutError' ? 'timed out' : 'network error';
    const cause = (lastError as { cause?: { code?: string } } | undefined)?.cause?.code;
    throw new StorageUnavailableError(`Yandex Disk could not be reached (${name}${cause ? `: ${cause}` : ''})`, { cause: lastError });
  }

  private async backoff(attempt: number, retryAfter: string | null): Promise<void> {
    const base = this.options.retryBaseDelayMs ?? 250;
    const fromHeader = retryAfter && /^\d{1,3}$/.test(retryAfter) ? Number(retryAfter) * 1000 : null;
    const delay = Math.min(fromHeader ?? base * 2 ** attempt + Math.floor(Math.random() * base), 5_000);
    await sleep(delay);
  }
}
