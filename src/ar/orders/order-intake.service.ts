import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import { DataSource, type EntityManager } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { CompaniesService } from '@app/companies/companies.service';
import type { CompanyEntity } from '@app/companies/entities/company.entity';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { StorageService } from '@app/storage/storage.service';
import { companyKey } from '@app/storage/storage-keys';
import { OrderEntity, PortraitEntity, VideoEntity, VideoHistoryEntity } from '../content/entities';
import { mapOrder, OrderFieldsDto, type OrderCreatedDto } from '../content/dto/order.dto';
import { mapPortrait } from '../content/dto/portrait.dto';
import { mapVideo } from '../content/dto/video.dto';
import { IdempotencyService, parseIdempotencyKey, requestHash } from '../upload/idempotency.service';
import { MediaIntakeService, ObjectBatch, type PreparedImage, type PreparedVideo } from '../upload/media-intake.service';
import { maxBodyBytes, type MultipartRules } from '../upload/multipart';
import { badUpload } from '../upload/upload-errors';
import { UploadLimitsService, type UploadAdmission } from '../upload/upload-limits.service';
import { OrderProcessingService } from './order-processing.service';

const ROUTE = 'POST /api/v1/companies/:companyId/orders';

/** A new public slug: 128 random bits, base64url (22 characters). */
export const newSlug = (): string => randomBytes(16).toString('base64url');

export interface CreatedResponse {
  status: number;
  body: OrderCreatedDto;
}

/**
 * `POST …/orders`: the tenant check runs before the body is read; the body is streamed and checked
 * (multipart.ts); the objects are stored under server-built keys; then one transaction creates or finds the
 * client by phone and inserts portrait, video and order. Any failure after a put deletes the stored objects;
 * the temp files are always removed.
 */
@Injectable()
export class OrderIntakeService {
  private readonly logger = new Logger('Orders');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly companies: CompaniesService,
    private readonly storage: StorageService,
    private readonly intake: MediaIntakeService,
    private readonly idempotency: IdempotencyService,
    private readonly processing: OrderProcessingService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly limits: UploadLimitsService,
  ) {}

  async create(principal: Principal, companyId: string, rawKey: string | undefined, req: Request, res: Response): Promise<CreatedResponse> {
    const key = parseIdempotencyKey(rawKey);
    const company = await this.companies.get(principal, companyId, 'write');
    const rules = this.intake.orderRules();
    return this.limits.withAdmission(companyId, req, res, maxBodyBytes(rules), (admission) =>
      this.receive(principal, company, key, admission, req, res, rules),
    );
  }

  private async receive(
    principal: Principal,
    company: CompanyEntity,
    key: string | null,
    admission: UploadAdmission,
    req: Request,
    res: Response,
    rules: MultipartRules,
  ): Promise<CreatedResponse> {
    const companyId = company.id;
    const upload = await this.intake.parse(req, res, rules);
    let claim: string | null = null;
    try {
      const fields = await this.intake.fields(OrderFieldsDto, upload.fields);
      const endsAt = fields.subscriptionEndsAt ? new Date(fields.subscriptionEndsAt) : null;
      if (endsAt && Number.isNaN(endsAt.getTime())) throw badUpload('subscriptionEndsAt', 'subscriptionEndsAt must be a date-time');
      if (key) {
        const start = await this.idempotency.begin(
          { companyId, userId: principal.id, route: ROUTE, key },
          requestHash(upload.fields, upload.files),
        );
        if (start.kind === 'replay') return { status: start.status, body: start.body as OrderCreatedDto };
        claim = start.id;
      }
      const image = await this.intake.prepareImage(upload.files.image);
      const video = await this.intake.prepareVideo(upload.files.video);
      const batch = new ObjectBatch(await this.storage.forCompany(company));
      const ids = { portrait: randomUUID(), video: randomUUID(), order: randomUUID() };
      let created: { order: OrderEntity; portrait: PortraitEntity; video: VideoEntity };
      try {
        const keys = await this.storeFiles(batch, companyId, ids, image, video);
        created = await this.db.transaction(async (manager) => {
          const rows = await this.insertRows(manager, principal, companyId, fields, endsAt, ids, keys, image, video);
          await admission.settle(manager);
          return rows;
        });
      } catch (error) {
        await batch.rollback();
        throw error;
      }
      await this.processing.enqueue(created.order.id);
      const order = await this.db.getRepository(OrderEntity).findOneByOrFail({ id: created.order.id });
      const body: OrderCreatedDto = {
        ...mapOrder(order),
        portrait: mapPortrait(created.portrait, this.clock.now(), this.config.app.baseUrl),
        video: mapVideo(created.video),
      };
      if (claim) await this.idempotency.complete(claim, 202, body);
      claim = null;
      await this.audit.record({
        action: 'order.created',
        actor: principal,
        target: { type: 'order', id: order.id },
        details: { companyId, portraitId: ids.portrait, videoId: ids.video, imageBytes: image.jpeg.length, videoBytes: video.file.size },
      });
      return { status: 202, body };
    } finally {
      if (claim) await this.idempotency.release(claim).catch(() => undefined);
      await upload.dispose();
    }
  }

  private async storeFiles(
    batch: ObjectBatch,
    companyId: string,
    ids: { portrait: string; video: string },
    image: PreparedImage,
    video: PreparedVideo,
  ): Promise<{ image: string; video: string }> {
    const imageKey = companyKey(companyId, 'portraits', ids.portrait, 'image.jpg');
    const videoKey = companyKey(companyId, 'portraits', ids.portrait, 'videos', ids.video, `video.${video.extension}`);
    await batch.put(imageKey, image.jpeg, 'image/jpeg');
    await batch.putFile(videoKey, video.file.path, video.file.size, video.contentType);
    this.logger.debug(`stored ${imageKey} and ${videoKey}`);
    return { image: imageKey, video: videoKey };
  }

  private async insertRows(
    manager: EntityManager,
    principal: Principal,
    companyId: string,
    fields: OrderFieldsDto,
    endsAt: Date | null,
    ids: { portrait: string; video: string; order: string },
    keys: { image: string; video: string },
    image: PreparedImage,
    video: PreparedVideo,
  ): Promise<{ order: OrderEntity; portrait: PortraitEntity; video: VideoEntity }> {
    // Find or create the client by phone; a new client only takes the e-mail when no other client has it.
    const client = (await manager.query(
      `INSERT INTO clients (company_id, name, phone, email)
       VALUES ($1, $2, $3, CASE WHEN $4::varchar IS NULL OR EXISTS (SELECT 1 FROM clients WHERE company_id = $1 AND email = $4::varchar)
                               THEN NULL ELSE $4::varchar END)
       ON CONFLICT (company_id, phone) DO UPDATE SET phone = EXCLUDED.phone
       RETURNING id`,
      [companyId, fields.clientName, fields.clientPhone, fields.clientEmail ?? null],
    )) as Array<{ id: string }>;
    const clientId = client[0].id;
    const portrait = await manager.save(
      manager.create(PortraitEntity, {
        id: ids.portrait,
        companyId,
        clientId,
        slug: newSlug(),
        title: fields.title ?? '',
        subscriptionEndsAt: endsAt,
        imageKey: keys.image,
        imageWidth: image.width,
        imageHeight: image.height,
        imageSize: image.jpeg.length,
      }),
    );
    const videoRow = await manager.save(
      manager.create(VideoEntity, {
        id: ids.video,
        portraitId: ids.portrait,
        companyId,
        key: keys.video,
        size: video.file.size,
        durationSeconds: video.info.durationSeconds,
        width: video.info.width,
        height: video.info.height,
        codec: video.info.codec,
        container: video.info.container,
        isActive: true,
      }),
    );
    const at = this.clock.now();
    await manager.insert(VideoHistoryEntity, [
      { videoId: ids.video, portraitId: ids.portrait, action: 'uploaded', at, actor: principal.id, details: {} },
      { videoId: ids.video, portraitId: ids.portrait, action: 'activated', at, actor: principal.id, details: { reason: 'first video' } },
    ]);
    const order = await manager.save(
      manager.create(OrderEntity, {
        id: ids.order,
        companyId,
        clientId,
        portraitId: ids.portrait,
        videoId: ids.video,
        kind: 'upload',
        status: 'processing',
        createdBy: principal.id,
      }),
    );
    return {
      order,
      portrait: await manager.findOneByOrFail(PortraitEntity, { id: portrait.id }),
      video: await manager.findOneByOrFail(VideoEntity, { id: videoRow.id }),
    };
  }
}
