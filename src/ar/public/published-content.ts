import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { type ViewerContent, ViewerContentSource } from '@app/ar/viewer/viewer-content';
import { CompanyEntity } from '@app/companies/entities/company.entity';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { Clock } from '@app/security/clock';
import { PortraitEntity, VideoEntity } from '../content/entities';
import { portraitStatus, type PortraitStatus } from '../content/portrait-status';

/** Slugs are 22 base64url characters (128 bits); anything else is unknown without a query. */
export const SLUG_PATTERN = /^[A-Za-z0-9_-]{22}$/;

export interface Published {
  portrait: PortraitEntity;
  video: VideoEntity;
  company: CompanyEntity;
  status: PortraitStatus;
}

/** Same-origin asset URLs; `?v=` changes with the content, so the assets can be cached for a year. */
export function assetUrls(p: Published): { targetUrl: string; videoUrl: string; posterUrl: string | null; previewUrl: string | null } {
  const base = `/ar/${p.portrait.slug}`;
  return {
    targetUrl: `${base}/target.mind?v=${p.portrait.targetEtag?.slice(0, 16) ?? ''}`,
    videoUrl: `${base}/video?v=${p.video.id.slice(0, 8)}`,
    posterUrl: p.video.posterKey ? `${base}/poster.webp?v=${p.video.posterEtag?.slice(0, 16) ?? ''}` : null,
    previewUrl: p.portrait.previewKey ? `${base}/preview.webp?v=${p.portrait.previewEtag?.slice(0, 16) ?? ''}` : null,
  };
}

/**
 * Public content by slug: a portrait is published once its target is compiled and it has an active video.
 * Only non-personal fields leave here (title, media); never the client. Self-contained (DataSource, config,
 * clock are global) so the viewer module can use it as its `ViewerContentSource` without importing ours.
 */
@Injectable()
export class PortraitViewerContentSource extends ViewerContentSource {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  async findPublished(slug: string): Promise<Published | null> {
    if (!SLUG_PATTERN.test(slug)) return null;
    const portrait = await this.db.getRepository(PortraitEntity).findOneBy({ slug });
    if (!portrait || !portrait.targetKey) return null;
    const video = await this.db.getRepository(VideoEntity).findOneBy({ portraitId: portrait.id, isActive: true });
    if (!video) return null;
    const company = await this.db.getRepository(CompanyEntity).findOneBy({ id: portrait.companyId });
    if (!company) return null;
    return { portrait, video, company, status: portraitStatus(portrait.subscriptionEndsAt, this.clock.now()) };
  }

  async findBySlug(slug: string): Promise<ViewerContent | null> {
    const published = await this.findPublished(slug);
    if (!published) return null;
    const urls = assetUrls(published);
    return {
      title: published.portrait.title,
      status: published.status,
      targetUrl: urls.targetUrl,
      videoUrl: urls.videoUrl,
      posterUrl: urls.posterUrl,
      mediaOrigin: await this.mediaOrigin(published.company),
    };
  }

  /** The S3 origin presigned video URLs point at (path-style: the endpoint; virtual-hosted: bucket.endpoint). */
  private async mediaOrigin(company: CompanyEntity): Promise<string | null> {
    if (company.storageType !== 's3' || !company.storageConnectionId) return null;
    const rows = (await this.db.query(`SELECT config FROM storage_connections WHERE id = $1`, [company.storageConnectionId])) as Array<{
      config: { endpoint?: string; bucket?: string; forcePathStyle?: boolean };
    }>;
    const config = rows[0]?.config;
    if (!config?.endpoint) return null;
    try {
      const endpoint = new URL(config.endpoint);
      if (!config.forcePathStyle && config.bucket) endpoint.hostname = `${config.bucket}.${endpoint.hostname}`;
      return endpoint.origin;
    } catch {
      return null;
    }
  }
}
