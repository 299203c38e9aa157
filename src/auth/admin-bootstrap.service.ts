import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { EMAIL_PATTERN } from '@app/common/validation';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { UserEntity } from './entities/user.entity';
import { PasswordService } from './password.service';

const BOOTSTRAP_LOCK_KEY = 7_240_531_002;

export class AdminCreationError extends Error {}

/** Generates a password that satisfies the policy: 24 random URL-safe characters plus a letter and a digit. */
export function generatePassword(): string {
  return `${randomBytes(18).toString('base64url')}a7`;
}

/**
 * First administrator: `cli user:create-admin` in any environment; in development only, when the database has
 * no users at the first start, one admin with a random password printed once to the console.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly passwords: PasswordService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.app.env !== 'development') return;
    const password = generatePassword();
    const created = await this.createIfNoUsers(this.config.security.firstAdminEmail, password);
    if (!created) return;
    // Printed straight to the terminal, once, and deliberately not through the (shipped) JSON log.
    process.stdout.write(
      [
        '',
        '==================================================================',
        ' Development admin created (shown only this once):',
        `   e-mail:   ${this.config.security.firstAdminEmail}`,
        `   password: ${password}`,
        ' Change it with POST /api/v1/auth/change-password.',
        '==================================================================',
        '',
      ].join('\n'),
    );
    this.logger.warn(`created the development admin ${this.config.security.firstAdminEmail} (password printed to the console)`);
  }

  /** Creates an admin; throws `AdminCreationError` with a one-line reason when it cannot. */
  async createAdmin(email: string, password: string, fullName = 'Administrator'): Promise<UserEntity> {
    const normalized = email.trim().toLowerCase();
    if (normalized.length > 254 || !EMAIL_PATTERN.test(normalized)) throw new AdminCreationError('the e-mail address is not valid');
    const problems = this.passwords.policyProblems(password, normalized);
    if (problems.length > 0) throw new AdminCreationError(problems.join('; '));
    const repository = this.dataSource.getRepository(UserEntity);
    if (await repository.existsBy({ email: normalized })) throw new AdminCreationError(`a user with e-mail ${normalized} already exists`);
    const user = await repository.save(
      repository.create({
        email: normalized,
        fullName,
        role: 'admin',
        companyId: null,
        passwordHash: await this.passwords.hash(password),
        passwordChangedAt: this.clock.now(),
      }),
    );
    await this.audit.record({
      action: 'user.created',
      actor: { id: null, email: 'cli' },
      target: { type: 'user', id: user.id },
      details: { role: 'admin', via: 'cli' },
    });
    return user;
  }

  private async createIfNoUsers(email: string, password: string): Promise<boolean> {
    const passwordHash = await this.passwords.hash(password);
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      if ((await manager.count(UserEntity)) > 0) return false;
      await manager.insert(UserEntity, {
        email,
        fullName: 'Development Admin',
        role: 'admin',
        companyId: null,
        passwordHash,
        passwordChangedAt: this.clock.now(),
      });
      return true;
    });
  }
}
