import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'timestamptz' }) occurredAt: Date;
  @Column({ type: 'varchar', length: 64 }) action: string;
  @Column({ type: 'varchar', length: 16 }) outcome: 'success' | 'failure';
  /** No foreign key: the trail outlives deleted users. */
  @Column({ type: 'uuid', nullable: true }) actorUserId: string | null;
  @Column({ type: 'varchar', length: 254, nullable: true }) actorEmail: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) targetType: string | null;
  @Column({ type: 'varchar', length: 128, nullable: true }) targetId: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) ip: string | null;
  @Column({ type: 'varchar', length: 64, nullable: true }) requestId: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) details: Record<string, unknown>;
}
