import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One change of a video's state (uploaded, activated, deactivated, rotated, scheduled, deleted). */
@Entity('video_history')
export class VideoHistoryEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid', nullable: true }) videoId: string | null;
  @Column({ type: 'uuid' }) portraitId: string;
  @Column({ type: 'varchar', length: 32 }) action: string;
  @Column({ type: 'timestamptz' }) at: Date;
  /** A user id, or `scheduler`. */
  @Column({ type: 'varchar', length: 100 }) actor: string;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) details: Record<string, unknown>;
}
