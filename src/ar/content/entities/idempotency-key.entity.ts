import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An `Idempotency-Key` of a create request, scoped to (company, user, route). */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) companyId: string;
  @Column({ type: 'uuid' }) userId: string;
  @Column({ type: 'varchar', length: 200 }) route: string;
  @Column({ type: 'uuid' }) key: string;
  /** SHA-256 (hex) of the fields and of each file's SHA-256. */
  @Column({ type: 'char', length: 64 }) requestHash: string;
  @Column({ type: 'varchar', length: 16, default: 'in_progress' }) state: 'in_progress' | 'done';
  @Column({ type: 'integer', nullable: true }) responseStatus: number | null;
  @Column({ type: 'jsonb', nullable: true }) responseBody: unknown;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
