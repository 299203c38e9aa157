import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { JobsService } from '@app/jobs/jobs.service';
import { QUEUES } from '@app/jobs/queues';
import { Clock } from '@app/security/clock';
import { VideoEntity } from '../content/entities';
import { switchActive } from './videos.service';

const ACTOR = 'scheduler';

const inWindow = (video: VideoEntity, now: Date): boolean =>
  (!video.startsAt || video.startsAt.getTime() <= now.getTime()) && (!video.endsAt || video.endsAt.getTime() > now.getTime());

/**
 * The video scheduler (cron every minute, once per cluster; an advisory lock also keeps manual runs apart):
 * 1. the active video's `endsAt` has passed → it is deactivated; by its `rotation` the next video in
 *    `sortOrder` whose window is open is activated (`sequential`: only later ones, `cyclic`: wrapping
 *    around), `none`: nothing;
 * 2. a video whose `startsAt` has come (window still open) is activated once for that start.
 * Every change is written to video_history with actor `scheduler`. Time comes from the injectable Clock.
 */
@Injectable()
export class VideoScheduleService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: JobsService,
    private readonly clock: Clock,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work(QUEUES.arVideoSchedule, async () => {
      await this.run();
    });
    await this.jobs.schedule(QUEUES.arVideoSchedule, '* * * * *');
  }

  async run(now: Date = this.clock.now()): Promise<{ changes: number }> {
    return this.db.transaction(async (manager) => {
      const lock = (await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext('vertex-ar:video-schedule')) AS ok`)) as Array<{
        ok: boolean;
      }>;
      if (!lock[0].ok) return { changes: 0 };
      const portraits = (await manager.query(
        `SELECT DISTINCT portrait_id FROM videos WHERE starts_at IS NOT NULL OR ends_at IS NOT NULL OR rotation <> 'none'`,
      )) as Array<{ portrait_id: string }>;
      let changes = 0;
      for (const { portrait_id: portraitId } of portraits) changes += await this.runPortrait(manager, portraitId, now);
      return { changes };
    });
  }

  private async runPortrait(manager: EntityManager, portraitId: string, now: Date): Promise<number> {
    await manager.query(`SELECT id FROM portraits WHERE id = $1 FOR UPDATE`, [portraitId]);
    const videos = await manager.find(VideoEntity, { where: { portraitId }, order: { sortOrder: 'ASC', createdAt: 'ASC', id: 'ASC' } });
    let changes = 0;
    let active = videos.find((video) => video.isActive) ?? null;

    if (active?.endsAt && active.endsAt.getTime() <= now.getTime()) {
      const ended = active;
      const index = videos.indexOf(ended);
      const candidates =
        ended.rotation === 'sequential'
          ? videos.slice(index + 1)
          : ended.rotation === 'cyclic'
            ? [...videos.slice(index + 1), ...videos.slice(0, index)]
            : [];
      const next = candidates.find((video) => inWindow(video, now)) ?? null;
      await switchActive(manager, portraitId, next?.id ?? null, ACTOR, now, {
        reason: next ? `rotation (${ended.rotation})` : 'schedule ended',
        endedVideoId: ended.id,
      });
      ended.isActive = false;
      if (next) next.isActive = true;
      active = next;
      changes++;
    }

    const due = videos
      .filter((video) => video.startsAt && !video.isActive && inWindow(video, now))
      .sort((a, b) => b.startsAt!.getTime() - a.startsAt!.getTime());
    for (const video of due) {
      const start = video.startsAt!.toISOString();
      const done = (await manager.query(
        `SELECT 1 FROM video_history WHERE video_id = $1 AND action = 'activated' AND details->>'scheduledStart' = $2 LIMIT 1`,
        [video.id, start],
      )) as unknown[];
      if (done.length > 0) continue;
      await switchActive(manager, portraitId, video.id, ACTOR, now, { reason: 'schedule started', scheduledStart: start });
      changes++;
      break;
    }
    return changes;
  }
}
