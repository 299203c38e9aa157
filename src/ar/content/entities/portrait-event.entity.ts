import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const PORTRAIT_EVENT_TYPES = ['view', 'play', 'complete', 'click'] as const;
export type PortraitEventType = (typeof PORTRAIT_EVENT_TYPES)[number];

/** A viewer event; one per (portrait, session, type). */
@Entity('portrait_events')
export class PortraitEventEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'uuid' }) portraitId: string;
  @Column({ type: 'uuid' }) companyId: string;
  @Column({ type: 'varchar', length: 64 }) sessionId: string;
  @Column({ type: 'varchar', length: 16 }) type: PortraitEventType;
  @Column({ type: 'varchar', length: 32, nullable: true }) platform: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) appVersion: string | null;
  @Column({ type: 'integer', nullable: true }) scanTimeMs: number | null;
  @Column({ type: 'date' }) day: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
