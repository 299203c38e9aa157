import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';

/** A reservation outlives its request only after a crash; then it lapses after this long (the sweep deletes it). */
export const RESERVATION_TTL_MS = 60 * 60 * 1000;
/** Seconds a client refused for a full upload slot is told to wait. */
export const UPLOADS_BUSY_RETRY_AFTER_SECONDS = 5;

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);

/** What an admitted upload holds: one upload slot of this process and, with a quota, a byte reservation. */
export class UploadAdmission {
  private done = false;

  constructor(
    private readonly onRelease: () => void,
    private readonly db: DataSource,
    readonly reservationId: string | null,
    private readonly logger: Logger,
  ) {}

  /**
   * Deletes the reservation inside the transaction that inserts the upload's rows, so the bytes move from
   * "reserved" to "stored" atomically (no moment where they count twice or not at all).
   */
  async settle(manager: EntityManager): Promise<void> {
    if (this.reservationId) await manager.query(`DELETE FROM company_storage_reservations WHERE id = $1`, [this.reservationId]);
  }

  /** Frees the slot and drops the reservation (if `settle` has not). Idempotent; call it in `finally`. */
  async release(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.onRelease();
    if (!this.reservationId) return;
    await this.db.query(`DELETE FROM company_storage_reservations WHERE id = $1`, [this.reservationId]).catch((error: Error) => {
      this.logger.warn({ err: { message: error.message } }, 'could not release a storage reservation (it lapses on its own)');
    });
  }
}

/**
 * The edge of every upload route (SECURITY-CHECKLIST UP-08, (e) "Concurrent uploads"), run after the tenant
 * check and before a byte of the body is read:
 *
 * 1. a per-process semaphore of UPLOAD_MAX_CONCURRENT slots; a request that finds none gets 503 UPLOADS_BUSY with
 *    `Retry-After` at once (uploads hold memory, temp disk, sharp and probe work, so excess waits at the client);
 * 2. with COMPANY_STORAGE_QUOTA_MB, a short transaction locks the company row (`FOR NO KEY UPDATE`, so racing
 *    uploads of one company queue here), sums the image and video sizes of its portraits and videos plus the
 *    live reservations, and either refuses with 413 QUOTA_EXCEEDED or inserts a reservation of the declared
 *    Content-Length (the route's largest body when none is declared). Two racing uploads therefore cannot both
 *    pass: the second sees the first one's reservation, and later its rows.
 */
@Injectable()
export class UploadLimitsService {
  private readonly logger = new Logger('UploadLimits');
  private active = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
  ) {}

  /** Uploads this process is streaming or processing right now. */
  get inFlight(): number {
    return this.active;
  }

  async admit(companyId: string, req: Request, res: Response, maxBody: number): Promise<UploadAdmission> {
    if (this.active >= this.config.ar.maxConcurrentUploads) {
      res.setHeader('Connection', 'close');
      this.logger.warn({ companyId, limit: this.config.ar.maxConcurrentUploads }, 'upload refused: every upload slot is busy');
      throw new ApiException(503, ErrorCode.UploadsBusy, 'Too many uploads in progress; retry shortly', undefined, {
        'Retry-After': String(UPLOADS_BUSY_RETRY_AFTER_SECONDS),
      });
    }
    this.active += 1;
    let released = false;
    const free = (): void => {
      if (released) return;
      released = true;
      this.active -= 1;
    };
    try {
      const reservationId = await this.reserve(companyId, declaredLength(req, maxBody), res);
      return new UploadAdmission(free, this.db, reservationId, this.logger);
    } catch (error) {
      free();
      throw error;
    }
  }

  /** Runs an upload inside an admission (slot + quota reservation) and always releases it afterwards. */
  async withAdmission<T>(
    companyId: string,
    req: Request,
    res: Response,
    maxBody: number,
    upload: (admission: UploadAdmission) => Promise<T>,
  ): Promise<T> {
    const admission = await this.admit(companyId, req, res, maxBody);
    try {
      return await upload(admission);
    } finally {
      await admission.release();
    }
  }

  /** Bytes a company stores (image + video sizes in the tables) plus its live reservations. */
  async usedBytes(companyId: string, manager: EntityManager = this.db.manager): Promise<number> {
    const rows = (await manager.query(
      `SELECT (SELECT coalesce(sum(image_size), 0) FROM portraits WHERE company_id = $1)
            + (SELECT coalesce(sum(size), 0) FROM videos WHERE company_id = $1)
            + (SELECT coalesce(sum(bytes), 0) FROM company_storage_reservations WHERE company_id = $1 AND expires_at > $2) AS used`,
      [companyId, this.clock.now()],
    )) as Array<{ used: string | number }>;
    return Number(rows[0]?.used ?? 0);
  }

  private async reserve(companyId: string, bytes: number, res: Response): Promise<string | null> {
    const quota = this.config.ar.companyQuotaBytes;
    if (quota <= 0) return null;
    const id = randomUUID();
    const now = this.clock.now();
    await this.db.transaction(async (manager) => {
      await manager.query(`SELECT id FROM companies WHERE id = $1 FOR NO KEY UPDATE`, [companyId]);
      const used = await this.usedBytes(companyId, manager);
      if (used + bytes > quota) {
        res.setHeader('Connection', 'close');
        this.logger.warn({ companyId, usedBytes: used, requestedBytes: bytes, quotaBytes: quota }, 'upload refused: storage quota');
        throw new ApiException(413, ErrorCode.QuotaExceeded, 'The company storage quota would be exceeded', [
          { field: 'body', message: `quota ${mb(quota)} MB, in use ${mb(used)} MB, this upload ${mb(bytes)} MB` },
        ]);
      }
      await manager.query(
        `INSERT INTO company_storage_reservations (id, company_id, bytes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
        [id, companyId, bytes, now, new Date(now.getTime() + RESERVATION_TTL_MS)],
      );
    });
    return id;
  }
}

/** The declared Content-Length, capped at the route's largest body (bigger ones get 413 from the parser anyway). */
function declaredLength(req: Request, maxBody: number): number {
  const declared = Number(req.headers['content-length']);
  return Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBody) : maxBody;
}
