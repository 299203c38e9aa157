import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { extractPoster, makePreviewWebp, makeQr } from '@app/ar/media';
import { TargetCompileError } from '@app/ar/target/target-compiler.errors';
import { TargetCompilerService } from '@app/ar/target/target-compiler.service';
import { AR_EVENTS, type OrderReadyEvent } from '@app/common/domain-events';
import { CompanyEntity } from '@app/companies/entities/company.entity';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { JobsService } from '@app/jobs/jobs.service';
import { QUEUES, type ArOrderProcessJob } from '@app/jobs/queues';
import { Clock } from '@app/security/clock';
import { MappedError } from '@app/security/errors';
import type { StorageAdapter } from '@app/storage/storage-adapter';
import { ObjectNotFoundError } from '@app/storage/storage-errors';
import { companyKey } from '@app/storage/storage-keys';
import { StorageService } from '@app/storage/storage.service';
import { OrderEntity, PortraitEntity, VideoEntity } from '../content/entities';

/** pg-boss runs a failing job this many times in total (1 + retryLimit), with exponential backoff. */
export const ORDER_MAX_ATTEMPTS = 3;
const JOB_OPTIONS = { retryLimit: ORDER_MAX_ATTEMPTS - 1, retryDelaySeconds: 10, retryBackoff: true, expireInSeconds: 900 };
/** A `processing` order untouched this long is checked by the sweep. */
export const STALE_ORDER_MS = 20 * 60 * 1000;

const strongEtag = (body: Buffer | string): string => createHash('sha256').update(body).digest('base64url').slice(0, 32);

async function readAll(stream: Readable, max = 64 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw new Error('stored object is larger than expected');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A reason that is safe to show to staff (no paths, hosts or stacks). */
function describeFailure(error: unknown): string {
  if (error instanceof TargetCompileError) return `Target compile failed (${error.reason}): ${error.message}`.slice(0, 480);
  if (error instanceof MappedError) return error.publicMessage;
  return 'Processing failed unexpectedly';
}

/**
 * The order job: compiles the MindAR target (worker threads, TargetCompilerService), makes the preview, the
 * poster frame (skipped with a reason without ffmpeg) and the QR codes, then marks the order `ready` and
 * emits `order.ready`. Transient failures are retried by pg-boss; after the last attempt, or for an image the
 * compiler refuses, the order is `failed` with a reason. A sweep fails orders whose job has died.
 */
@Injectable()
export class OrderProcessingService implements OnModuleInit {
  private readonly logger = new Logger('OrderProcessing');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly storage: StorageService,
    private readonly compiler: TargetCompilerService,
    private readonly events: EventEmitter2,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work<ArOrderProcessJob>(QUEUES.arOrderProcess, (data) => this.process(data.orderId), {
      ...JOB_OPTIONS,
      concurrency: 1,
    });
    await this.jobs.work(QUEUES.arOrderSweep, async () => {
      await this.sweep();
    });
    await this.jobs.schedule(QUEUES.arOrderSweep, '*/5 * * * *');
  }

  /** Queues the job of an order and remembers its id (the sweep checks it). */
  async enqueue(orderId: string): Promise<void> {
    try {
      const jobId = await this.jobs.send<ArOrderProcessJob>(QUEUES.arOrderProcess, { orderId }, JOB_OPTIONS);
      if (jobId) await this.db.getRepository(OrderEntity).update({ id: orderId }, { jobId });
    } catch (error) {
      // The order stays `processing` without a job; the sweep fails it with a reason (the client can retry).
      this.logger.error({ orderId, err: { message: (error as Error).message } }, 'could not queue the order job');
    }
  }

  async process(orderId: string): Promise<void> {
    const orders = this.db.getRepository(OrderEntity);
    const order = await orders.findOneBy({ id: orderId });
    if (!order || order.status !== 'processing') return;
    const attempt = order.attempts + 1;
    await orders.update({ id: orderId }, { attempts: attempt, processingStartedAt: this.clock.now() });
    try {
      const portrait = await this.run(order);
      await orders.update({ id: orderId, status: 'processing' }, { status: 'ready', failureReason: null });
      if (order.kind === 'upload') await this.emitReady(order, portrait);
    } catch (error) {
      const reason = describeFailure(error);
      const permanent = (error instanceof TargetCompileError && error.reason === 'invalid_image') || error instanceof ObjectNotFoundError;
      this.logger.warn({ orderId, attempt, reason, err: { message: (error as Error).message } }, 'order processing failed');
      if (permanent || attempt >= ORDER_MAX_ATTEMPTS) {
        await orders.update({ id: orderId, status: 'processing' }, { status: 'failed', failureReason: reason });
        return;
      }
      await orders.update({ id: orderId }, { failureReason: `Attempt ${attempt} failed, retrying: ${reason}`.slice(0, 500) });
      throw error;
    }
  }

  private async run(order: OrderEntity): Promise<PortraitEntity> {
    const portrait = await this.db.getRepository(PortraitEntity).findOneByOrFail({ id: order.portraitId });
    const company = await this.db.getRepository(CompanyEntity).findOneByOrFail({ id: order.companyId });
    const adapter = await this.storage.forCompany(company);
    const image = await readAll((await adapter.get(portrait.imageKey)).stream);
    const compiled = await this.compiler.compile(image);
    const key = (name: string) => companyKey(order.companyId, 'portraits', portrait.id, name);
    const put = (k: string, body: Buffer | string, contentType: string) =>
      adapter.put(k, Readable.from([typeof body === 'string' ? Buffer.from(body) : body]), { contentType });
    await put(key('target.mind'), compiled.mind, 'application/octet-stream');
    const preview = await makePreviewWebp(image);
    await put(key('preview.webp'), preview, 'image/webp');
    const qr = await makeQr(`${this.config.app.baseUrl}/ar/${portrait.slug}`);
    await put(key('qr.png'), qr.png, 'image/png');
    await put(key('qr.svg'), qr.svg, 'image/svg+xml');
    await this.db.getRepository(PortraitEntity).update(
      { id: portrait.id },
      {
        targetKey: key('target.mind'),
        targetEtag: strongEtag(compiled.mind),
        previewKey: key('preview.webp'),
        previewEtag: strongEtag(preview),
        qrPngKey: key('qr.png'),
        qrSvgKey: key('qr.svg'),
        trackability: compiled.trackability,
      },
    );
    if (order.videoId) await this.makePoster(adapter, order.companyId, portrait.id, order.videoId);
    return portrait;
  }

  private async makePoster(adapter: StorageAdapter, companyId: string, portraitId: string, videoId: string): Promise<void> {
    const videos = this.db.getRepository(VideoEntity);
    const video = await videos.findOneBy({ id: videoId });
    if (!video) return;
    await mkdir(this.config.ar.tmpDir, { recursive: true, mode: 0o700 });
    const temp = join(this.config.ar.tmpDir, `${randomUUID()}-poster-upload.part`);
    try {
      await pipeline((await adapter.get(video.key)).stream, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
      const poster = await extractPoster(temp);
      if ('skipped' in poster) {
        await videos.update({ id: videoId }, { posterKey: null, posterEtag: null, posterSkippedReason: poster.skipped.slice(0, 300) });
        return;
      }
      const posterKey = companyKey(companyId, 'portraits', portraitId, 'videos', videoId, 'poster.webp');
      await adapter.put(posterKey, Readable.from([poster.webp]), { contentType: 'image/webp' });
      await videos.update({ id: videoId }, { posterKey, posterEtag: strongEtag(poster.webp), posterSkippedReason: null });
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async emitReady(order: OrderEntity, portrait: PortraitEntity): Promise<void> {
    const rows = (await this.db.query(
      `SELECT co.name AS company_name, co.email AS company_email, cl.name AS client_name
       FROM companies co LEFT JOIN clients cl ON cl.id = $2 WHERE co.id = $1`,
      [order.companyId, order.clientId],
    )) as Array<{ company_name: string; company_email: string | null; client_name: string | null }>;
    const event: OrderReadyEvent = {
      orderId: order.id,
      companyId: order.companyId,
      companyName: rows[0]?.company_name ?? '',
      companyEmail: rows[0]?.company_email ?? null,
      clientName: rows[0]?.client_name ?? null,
      arUrl: `${this.config.app.baseUrl}/ar/${portrait.slug}`,
      readyAt: this.clock.now().toISOString(),
    };
    this.events.emit(AR_EVENTS.orderReady, event);
  }

  /**
   * Orders `processing` for longer than STALE_ORDER_MS whose job is gone (never queued, finished, failed or
   * lost in a crash) are failed with a reason, so none stays `processing` forever; the retry route re-queues.
   * Upload temp files and orphaned objects are StorageSweepService's (hourly).
   */
  async sweep(): Promise<{ failed: number }> {
    const cutoff = new Date(this.clock.now().getTime() - STALE_ORDER_MS);
    const stale = (await this.db.query(`SELECT id, job_id FROM orders WHERE status = 'processing' AND updated_at < $1`, [
      cutoff,
    ])) as Array<{
      id: string;
      job_id: string | null;
    }>;
    let failed = 0;
    for (const row of stale) {
      const job = row.job_id ? await this.jobs.getJob(QUEUES.arOrderProcess, row.job_id).catch(() => null) : null;
      if (job && ['created', 'retry', 'active'].includes(job.state)) continue;
      const result = (await this.db.query(
        `UPDATE orders SET status = 'failed', failure_reason = $2, updated_at = now()
         WHERE id = $1 AND status = 'processing' AND updated_at < $3`,
        [row.id, 'Processing was interrupted (restart or crash); retry the order', cutoff],
      )) as [unknown[], number];
      failed += result[1];
    }
    return { failed };
  }
}
