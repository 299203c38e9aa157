import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type FindOptionsWhere } from 'typeorm';
import { resolvePaging, type Page } from '@app/common/pagination';
import { QUEUES, type MailDeliveryJob } from '@app/jobs/queues';
import { JobsService } from '@app/jobs/jobs.service';
import { Clock } from '@app/security/clock';
import type { OutboxQueryDto } from './dto/mail-outbox.dto';
import { MailOutboxEntity } from './entities/mail-outbox.entity';

export interface NewMail {
  to: string;
  subject: string;
  html: string;
  text: string;
  templateKey: string | null;
  /** Once-only key: a second mail with the same key is not created. */
  dedupeKey?: string | null;
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** A row left in `sending` longer than this (a process died mid-send) is handed back to the queue. */
export const STUCK_SENDING_MS = 10 * 60_000;

const SORTABLE = { createdAt: 'createdAt', status: 'status', sentAt: 'sentAt' };

/** The outbox: every mail is a row; delivery jobs only point at rows. */
@Injectable()
export class MailOutboxService {
  private readonly logger = new Logger('MailOutbox');

  constructor(
    @InjectRepository(MailOutboxEntity) private readonly rows: Repository<MailOutboxEntity>,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  /**
   * Writes the row (unless its dedupe key exists) and queues its delivery. Returns the new row's id, or null
   * for a duplicate. If the queue is unavailable the row stays `queued` and the sweep picks it up.
   */
  async enqueue(mail: NewMail): Promise<string | null> {
    const now = this.clock.now();
    const inserted = (await this.rows.query(
      `INSERT INTO mail_outbox ("to", subject, html, text, template_key, dedupe_key, max_attempts, status, next_attempt_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8, $8)
       ON CONFLICT (dedupe_key) DO NOTHING
       RETURNING id`,
      [
        mail.to,
        mail.subject,
        mail.html,
        mail.text,
        mail.templateKey,
        mail.dedupeKey ?? null,
        mail.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        now,
      ],
    )) as Array<{ id: string }>;
    const id = inserted[0]?.id ?? null;
    if (id) await this.trigger(id, 0, `${id}:new`);
    return id;
  }

  /** Queues a delivery job for a row; `key` makes the job once-only (per row and attempt, or per sweep minute). */
  async trigger(outboxId: string, delaySeconds: number, key: string): Promise<void> {
    try {
      await this.jobs.send<MailDeliveryJob>(
        QUEUES.mailDelivery,
        { outboxId },
        { idempotencyKey: key, startAfterSeconds: delaySeconds > 0 ? delaySeconds : undefined },
      );
    } catch (error) {
      this.logger.warn({ outboxId, err: { message: (error as Error).message } }, 'could not queue mail delivery; the sweep will retry');
    }
  }

  async get(id: string): Promise<MailOutboxEntity | null> {
    return this.rows.findOneBy({ id });
  }

  async list(query: OutboxQueryDto): Promise<Page<MailOutboxEntity>> {
    const paging = resolvePaging(query, SORTABLE, '-createdAt');
    const where: FindOptionsWhere<MailOutboxEntity> = query.status ? { status: query.status } : {};
    const [items, total] = await this.rows.findAndCount({
      where,
      order: { ...paging.orderBy, id: 'ASC' },
      skip: paging.skip,
      take: paging.limit,
    });
    return { items, total, page: paging.page, limit: paging.limit };
  }

  /**
   * Atomically takes a due row for delivery: only one caller (of any instance) gets it. Counts the attempt.
   */
  async claim(id: string): Promise<MailOutboxEntity | null> {
    const now = this.clock.now();
    const result = (await this.rows.query(
      `UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, claimed_at = $2, updated_at = $2
        WHERE id = $1 AND status = 'queued' AND next_attempt_at <= $2
        RETURNING id`,
      [id, now],
    )) as [Array<{ id: string }>, number];
    if (result[0].length === 0) return null;
    return this.rows.findOneByOrFail({ id });
  }

  async markSent(id: string, messageId: string | null): Promise<void> {
    const now = this.clock.now();
    await this.rows.update(
      { id, status: 'sending' },
      { status: 'sent', sentAt: now, updatedAt: now, lastError: null, messageId, claimedAt: null },
    );
  }

  /** After a failed attempt: back to `queued` with a later `next_attempt_at`, or `failed` when attempts are used up. */
  async markFailedAttempt(row: MailOutboxEntity, reason: string, retryable = true): Promise<{ retryInMs: number | null }> {
    const now = this.clock.now();
    if (!retryable || row.attempts >= row.maxAttempts) {
      await this.rows.update({ id: row.id, status: 'sending' }, { status: 'failed', lastError: reason, updatedAt: now, claimedAt: null });
      return { retryInMs: null };
    }
    const retryInMs = backoffMs(row.attempts);
    await this.rows.update(
      { id: row.id, status: 'sending' },
      { status: 'queued', lastError: reason, nextAttemptAt: new Date(now.getTime() + retryInMs), updatedAt: now, claimedAt: null },
    );
    return { retryInMs };
  }

  /**
   * The cron sweep: rows stuck in `sending` return to `queued`; due `queued` rows get a delivery job (covers
   * a queue that was down when the row was written, and delayed retries). Returns the ids triggered.
   */
  async sweep(limit = 100): Promise<string[]> {
    const now = this.clock.now();
    await this.rows.query(
      `UPDATE mail_outbox SET status = 'queued', claimed_at = NULL, updated_at = $1
        WHERE status = 'sending' AND claimed_at < $2`,
      [now, new Date(now.getTime() - STUCK_SENDING_MS)],
    );
    const due = (await this.rows.query(
      `SELECT id, attempts FROM mail_outbox WHERE status = 'queued' AND next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2`,
      [now, limit],
    )) as Array<{ id: string; attempts: number }>;
    for (const row of due) await this.trigger(row.id, 0, `${row.id}:sweep:${row.attempts}:${Math.floor(now.getTime() / 60_000)}`);
    return due.map((row) => row.id);
  }
}

/** 1 min, 2 min, 4 min, 8 min … after the 1st, 2nd, 3rd, 4th failed attempt (capped at 1 h). */
export function backoffMs(attemptsMade: number): number {
  return Math.min(60 * 60_000, 60_000 * 2 ** Math.max(0, attemptsMade - 1));
}
