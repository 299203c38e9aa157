import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const USER_ROLES = ['admin', 'manager', 'viewer'] as const;
export type UserRole = (typeof USER_ROLES)[number];

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid') id: string;
  /** Stored trimmed and lower-cased; unique. */
  @Column({ type: 'varchar', length: 254 }) email: string;
  @Column({ type: 'varchar', length: 200 }) fullName: string;
  @Column({ type: 'varchar', length: 16 }) role: UserRole;
  @Column({ type: 'uuid', nullable: true }) companyId: string | null;
  /** argon2id PHC string. Never leaves the AuthModule. */
  @Column({ type: 'text' }) passwordHash: string;
  @Column({ type: 'boolean', default: true }) isActive: boolean;
  @Column({ type: 'integer', default: 0 }) failedLoginCount: number;
  @Column({ type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) lastLoginAt: Date | null;
  @Column({ type: 'timestamptz' }) passwordChangedAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
