import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const VIDEO_ROTATIONS = ['none', 'sequential', 'cyclic'] as const;
export type VideoRotation = (typeof VIDEO_ROTATIONS)[number];
export type VideoContainer = 'mp4' | 'mov' | 'webm';

/** A video of a portrait. At most one per portrait is active (partial unique index `videos_one_active_per_portrait`). */
@Entity('videos')
export class VideoEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'uuid' }) portraitId: string;
  @Column({ type: 'uuid' }) companyId: string;
  @Column({ type: 'varchar', length: 1024 }) key: string;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) size: number;
  @Column({ type: 'double precision' }) durationSeconds: number;
  @Column({ type: 'integer' }) width: number;
  @Column({ type: 'integer' }) height: number;
  @Column({ type: 'varchar', length: 64 }) codec: string;
  @Column({ type: 'varchar', length: 16 }) container: VideoContainer;
  @Column({ type: 'varchar', length: 1024, nullable: true }) posterKey: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) posterEtag: string | null;
  @Column({ type: 'varchar', length: 300, nullable: true }) posterSkippedReason: string | null;
  @Column({ type: 'varchar', length: 2000, nullable: true }) description: string | null;
  @Column({ type: 'boolean', default: false }) isActive: boolean;
  @Column({ type: 'timestamptz', nullable: true }) startsAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) endsAt: Date | null;
  @Column({ type: 'varchar', length: 16, default: 'none' }) rotation: VideoRotation;
  @Column({ type: 'integer', default: 0 }) sortOrder: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
