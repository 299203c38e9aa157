import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const ORDER_STATUSES = ['processing', 'ready', 'failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** One upload of a photo and a video, and the state of its processing job. */
@Entity('orders')
export class OrderEntity {
  @PrimaryColumn('uuid') id: string;
  @Column({ type: 'uuid' }) companyId: string;
  @Column({ type: 'uuid', nullable: true }) clientId: string | null;
  @Column({ type: 'uuid' }) portraitId: string;
  @Column({ type: 'uuid', nullable: true }) videoId: string | null;
  /** `upload`: created with the files; `recompile`: re-processing of an existing portrait. */
  @Column({ type: 'varchar', length: 16, default: 'upload' }) kind: 'upload' | 'recompile';
  @Column({ type: 'varchar', length: 16, default: 'processing' }) status: OrderStatus;
  /** Safe to show to staff: never a path, host or stack. */
  @Column({ type: 'varchar', length: 500, nullable: true }) failureReason: string | null;
  @Column({ type: 'integer', default: 0 }) attempts: number;
  /** The pg-boss job of the latest attempt. */
  @Column({ type: 'uuid', nullable: true }) jobId: string | null;
  @Column({ type: 'uuid', nullable: true }) createdBy: string | null;
  @Column({ type: 'timestamptz', nullable: true }) processingStartedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
