import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const STORAGE_TYPES = ['local', 's3', 'yandex_disk'] as const;
export type CompanyStorageType = (typeof STORAGE_TYPES)[number];

/** A client company of the studio: its contacts and where its files are stored. */
@Entity('companies')
export class CompanyEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'varchar', length: 255 }) name: string;
  @Column({ type: 'varchar', length: 254, nullable: true }) email: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) phone: string | null;
  @Column({ type: 'varchar', length: 2048, nullable: true }) website: string | null;
  @Column({ type: 'varchar', length: 120, nullable: true }) city: string | null;
  @Column({ type: 'varchar', length: 2000, nullable: true }) description: string | null;
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" }) socialLinks: Record<string, string>;
  @Column({ type: 'varchar', length: 200, nullable: true }) managerName: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) managerPhone: string | null;
  @Column({ type: 'varchar', length: 254, nullable: true }) managerEmail: string | null;
  @Column({ type: 'varchar', length: 16, default: 'local' }) storageType: CompanyStorageType;
  @Column({ type: 'uuid', nullable: true }) storageConnectionId: string | null;
  @Column({ type: 'varchar', length: 1024, nullable: true }) storageFolder: string | null;
  /** The company created by the first migration: it cannot be deleted or moved off local storage. */
  @Column({ type: 'boolean', default: false }) isDefault: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
