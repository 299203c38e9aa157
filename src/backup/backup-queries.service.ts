import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type FindOptionsWhere } from 'typeorm';
import { resolvePaging, type Page } from '@app/common/pagination';
import { Clock } from '@app/security/clock';
import { BackupEntity } from './backup.entity';
import type { BackupQueryDto, BackupStatsDto } from './dto/backup.dto';

const SORTABLE = { createdAt: 'createdAt', completedAt: 'completedAt', size: 'size', status: 'status', kind: 'kind' };

/** Read side of the backups list (page + stats). */
@Injectable()
export class BackupQueries {
  constructor(
    @InjectRepository(BackupEntity) private readonly backups: Repository<BackupEntity>,
    private readonly clock: Clock,
  ) {}

  async list(query: BackupQueryDto): Promise<Page<BackupEntity>> {
    const paging = resolvePaging(query, SORTABLE, '-createdAt');
    const where: FindOptionsWhere<BackupEntity> = {};
    if (query.status) where.status = query.status;
    if (query.kind) where.kind = query.kind;
    const [items, total] = await this.backups.findAndCount({
      where,
      order: { ...paging.orderBy, id: 'ASC' },
      skip: paging.skip,
      take: paging.limit,
    });
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async stats(): Promise<BackupStatsDto> {
    const [row] = (await this.backups.query(
      `SELECT count(*)::int AS count, coalesce(sum(size), 0)::text AS bytes, max(completed_at) AS newest FROM backups WHERE status = 'complete'`,
    )) as Array<{ count: number; bytes: string; newest: Date | null }>;
    const newest = row.newest ? new Date(row.newest) : null;
    return {
      count: row.count,
      totalBytes: Number(row.bytes),
      newestCompleteAt: newest?.toISOString() ?? null,
      newestCompleteAgeSeconds: newest ? Math.max(0, Math.round((this.clock.now().getTime() - newest.getTime()) / 1000)) : null,
    };
  }
}
