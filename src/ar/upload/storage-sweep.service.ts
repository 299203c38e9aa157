import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CompanyEntity } from '@app/companies/entities/company.entity';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { JobsService } from '@app/jobs/jobs.service';
import { QUEUES } from '@app/jobs/queues';
import { Clock } from '@app/security/clock';
import { companyKey } from '@app/storage/storage-keys';
import { StorageService } from '@app/storage/storage.service';

/**
 * Objects and temp files younger than this are never removed: an upload stores its objects before it commits
 * its rows, and streams its temp files while it runs (the HTTP request timeout is 5 minutes).
 */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;
const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;
/** Hourly, at minute 17 (UTC), once per cluster. */
export const STORAGE_SWEEP_CRON = '17 * * * *';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface StorageSweepOptions {
  /** The sweep's "now" (default: the injected Clock). */
  now?: Date;
  /** Minimum age of what is removed (default ORPHAN_GRACE_MS). */
  graceMs?: number;
}

export interface StorageSweepResult {
  companies: number;
  /** Companies whose storage could not be listed (logged; retried next run). */
  failedCompanies: number;
  objectsRemoved: number;
  bytesRemoved: number;
  tempFilesRemoved: number;
  reservationsRemoved: number;
  /** Idempotency keys older than a day. */
  idempotencyKeysRemoved: number;
}

interface Candidate {
  key: string;
  size: number;
  portraitId: string;
  videoId: string | null;
}

/**
 * The storage sweep (SECURITY-CHECKLIST (e) "Process killed mid-upload"): a crash between storing an upload's
 * objects and committing its rows, a rollback whose delete failed, or a delete of rows whose objects stayed
 * behind leaves objects no row refers to. For each company it lists `companies/{id}/portraits/` and removes
 * every object older than the grace period whose portrait id (`portraits/{portraitId}/…`) or video id
 * (`…/videos/{videoId}/…`) is not in the database; objects without a lastModified, or with key segments that
 * are not UUIDs, are left alone. It also removes upload temp files (`*-upload.part` in DATA_DIR/tmp) older
 * than the grace period and quota reservations past their expiry.
 */
@Injectable()
export class StorageSweepService implements OnModuleInit {
  private readonly logger = new Logger('StorageSweep');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly storage: StorageService,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work(QUEUES.arStorageSweep, async () => {
      await this.sweep();
    });
    await this.jobs.schedule(QUEUES.arStorageSweep, STORAGE_SWEEP_CRON);
  }

  async sweep(options: StorageSweepOptions = {}): Promise<StorageSweepResult> {
    const now = options.now ?? this.clock.now();
    const cutoff = now.getTime() - (options.graceMs ?? ORPHAN_GRACE_MS);
    const result: StorageSweepResult = {
      companies: 0,
      failedCompanies: 0,
      objectsRemoved: 0,
      bytesRemoved: 0,
      tempFilesRemoved: 0,
      reservationsRemoved: 0,
      idempotencyKeysRemoved: 0,
    };
    const companies = await this.db.getRepository(CompanyEntity).find({
      select: { id: true, storageType: true, storageConnectionId: true, storageFolder: true },
      order: { id: 'ASC' },
    });
    for (const company of companies) {
      result.companies += 1;
      try {
        const removed = await this.sweepCompany(company, cutoff);
        result.objectsRemoved += removed.objects;
        result.bytesRemoved += removed.bytes;
      } catch (error) {
        result.failedCompanies += 1;
        this.logger.warn({ companyId: company.id, err: { message: (error as Error).message } }, 'storage sweep skipped a company');
      }
    }
    result.tempFilesRemoved = await this.removeStaleTemps(cutoff);
    const expired = (await this.db.query(`DELETE FROM company_storage_reservations WHERE expires_at <= $1`, [now])) as [unknown[], number];
    result.reservationsRemoved = expired[1] ?? 0;
    // Idempotency keys (and the responses stored with them) are only useful for retries within a day.
    const keys = (await this.db.query(`DELETE FROM idempotency_keys WHERE created_at < $1`, [
      new Date(now.getTime() - IDEMPOTENCY_KEY_TTL_MS),
    ])) as [unknown[], number];
    result.idempotencyKeysRemoved = keys[1] ?? 0;
    const level =
      result.objectsRemoved +
        result.tempFilesRemoved +
        result.reservationsRemoved +
        result.idempotencyKeysRemoved +
        result.failedCompanies >
      0
        ? 'log'
        : 'debug';
    this.logger[level]({ ...result }, 'storage sweep finished');
    return result;
  }

  private async sweepCompany(company: CompanyEntity, cutoff: number): Promise<{ objects: number; bytes: number }> {
    const adapter = await this.storage.forCompany(company);
    const prefix = companyKey(company.id, 'portraits');
    const candidates: Candidate[] = [];
    for await (const object of adapter.list(prefix)) {
      if (!object.key.startsWith(`${prefix}/`) || !object.lastModified || object.lastModified.getTime() > cutoff) continue;
      const [portraitId, folder, videoId] = object.key.slice(prefix.length + 1).split('/');
      if (!UUID.test(portraitId ?? '')) continue;
      const isVideo = folder === 'videos' && videoId !== undefined;
      if (isVideo && !UUID.test(videoId)) continue;
      candidates.push({ key: object.key, size: object.size, portraitId, videoId: isVideo ? videoId : null });
    }
    if (candidates.length === 0) return { objects: 0, bytes: 0 };
    // Looked up after listing: rows committed while we listed are seen, so their objects are kept.
    const portraitIds = [...new Set(candidates.map((c) => c.portraitId))];
    const videoIds = [...new Set(candidates.flatMap((c) => (c.videoId ? [c.videoId] : [])))];
    const portraits = (await this.db.query(`SELECT id FROM portraits WHERE company_id = $1 AND id = ANY($2::uuid[])`, [
      company.id,
      portraitIds,
    ])) as Array<{ id: string }>;
    const videos = videoIds.length
      ? ((await this.db.query(`SELECT id, portrait_id FROM videos WHERE company_id = $1 AND id = ANY($2::uuid[])`, [
          company.id,
          videoIds,
        ])) as Array<{ id: string; portrait_id: string }>)
      : [];
    const livePortraits = new Set(portraits.map((row) => row.id));
    const liveVideos = new Set(videos.map((row) => `${row.portrait_id}/${row.id}`));
    let objects = 0;
    let bytes = 0;
    for (const candidate of candidates) {
      const referenced =
        livePortraits.has(candidate.portraitId) && (!candidate.videoId || liveVideos.has(`${candidate.portraitId}/${candidate.videoId}`));
      if (referenced) continue;
      await adapter.delete(candidate.key);
      objects += 1;
      bytes += candidate.size;
      this.logger.log({ companyId: company.id, key: candidate.key, size: candidate.size }, 'removed an orphaned object');
    }
    return { objects, bytes };
  }

  /** Upload and poster temp files (`*-upload.part`) left over from a crash or an aborted request. */
  private async removeStaleTemps(cutoff: number): Promise<number> {
    const names = await readdir(this.config.ar.tmpDir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names) {
      if (!name.endsWith('-upload.part')) continue;
      const path = join(this.config.ar.tmpDir, name);
      const info = await stat(path).catch(() => null);
      if (!info || info.mtimeMs > cutoff) continue;
      await rm(path, { force: true });
      removed += 1;
    }
    if (removed > 0) this.logger.log({ removed }, 'removed stale upload temp files');
    return removed;
  }
}
