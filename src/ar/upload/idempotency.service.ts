import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ApiException, ErrorCode } from '@app/security/errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** An `in_progress` key older than this belongs to a request that died (crash, kill): it may be taken over. */
const STALE_IN_PROGRESS_MS = 30 * 60 * 1000;

export interface IdempotencyScope {
  companyId: string;
  userId: string;
  route: string;
  key: string;
}

export type IdempotencyStart = { kind: 'started'; id: string } | { kind: 'replay'; status: number; body: unknown };

/** `Idempotency-Key` header: absent → null; present → must be a UUID (400 otherwise). */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | null {
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !UUID.test(raw.trim())) {
    throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
      { field: 'Idempotency-Key', message: 'Idempotency-Key must be a UUID' },
    ]);
  }
  return raw.trim().toLowerCase();
}

/** SHA-256 over the text fields (sorted by name) and the SHA-256 of every file part. */
export function requestHash(fields: Record<string, string>, files: Record<string, { sha256: string }>): string {
  const canonical = JSON.stringify({
    fields: Object.keys(fields)
      .sort()
      .map((name) => [name, fields[name]]),
    files: Object.keys(files)
      .sort()
      .map((name) => [name, files[name].sha256]),
  });
  return createHash('sha256').update(canonical).digest('hex');
}

/**
 * Idempotent creates (SECURITY-CHECKLIST (e) "Duplicate submissions"): keys are scoped to company, user and
 * route. Same key + same payload → the stored response; different payload → 422; still running → 409.
 * A failed request releases its key so the client can retry with it.
 */
@Injectable()
export class IdempotencyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async begin(scope: IdempotencyScope, hash: string): Promise<IdempotencyStart> {
    const params = [scope.companyId, scope.userId, scope.route, scope.key];
    const inserted = (await this.db.query(
      `INSERT INTO idempotency_keys (company_id, user_id, route, key, request_hash) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (company_id, user_id, route, key) DO NOTHING RETURNING id`,
      [...params, hash],
    )) as Array<{ id: string }>;
    if (inserted.length === 1) return { kind: 'started', id: inserted[0].id };
    const rows = (await this.db.query(
      `SELECT id, request_hash, state, response_status, response_body, created_at FROM idempotency_keys
       WHERE company_id = $1 AND user_id = $2 AND route = $3 AND key = $4`,
      params,
    )) as Array<{ id: string; request_hash: string; state: string; response_status: number; response_body: unknown; created_at: Date }>;
    const row = rows[0];
    if (!row) return this.begin(scope, hash);
    if (row.request_hash !== hash) {
      throw new ApiException(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request');
    }
    if (row.state === 'done') return { kind: 'replay', status: row.response_status, body: row.response_body };
    if (Date.now() - new Date(row.created_at).getTime() > STALE_IN_PROGRESS_MS) {
      const taken = (await this.db.query(
        // Compared in SQL: a JS Date drops the microseconds of timestamptz, so `created_at = $2` never matches.
        `UPDATE idempotency_keys SET created_at = now()
          WHERE id = $1 AND state = 'in_progress' AND created_at < now() - ($2::int * interval '1 millisecond') RETURNING id`,
        [row.id, STALE_IN_PROGRESS_MS],
      )) as [Array<{ id: string }>, number];
      if (taken[1] === 1) return { kind: 'started', id: row.id };
    }
    throw new ApiException(409, 'IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed');
  }

  async complete(id: string, status: number, body: unknown): Promise<void> {
    await this.db.query(`UPDATE idempotency_keys SET state = 'done', response_status = $2, response_body = $3 WHERE id = $1`, [
      id,
      status,
      JSON.stringify(body),
    ]);
  }

  async release(id: string): Promise<void> {
    await this.db.query(`DELETE FROM idempotency_keys WHERE id = $1 AND state = 'in_progress'`, [id]);
  }
}
