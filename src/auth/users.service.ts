import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Brackets, DataSource, Repository } from 'typeorm';
import type { Principal } from '@app/common/auth.decorators';
import { containsPattern, resolvePaging, sortOf, type Page } from '@app/common/pagination';
import { CompanyEntity } from '@app/companies/entities/company.entity';
import { AuditService } from '@app/security/audit/audit.service';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import type { CreateUserDto, UpdateUserDto, UserQueryDto } from './dto/user.dto';
import { UserEntity } from './entities/user.entity';
import { PasswordService } from './password.service';
import { SessionsService } from './sessions.service';

const SORTABLE = { createdAt: 'createdAt', email: 'email', fullName: 'fullName', role: 'role', lastLoginAt: 'lastLoginAt' };

const notFound = (): ApiException => new ApiException(404, ErrorCode.NotFound, 'User not found');

/** Admin management of accounts. Every change is audited; changes that alter access end the user's sessions. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(query: UserQueryDto): Promise<Page<UserEntity>> {
    const paging = resolvePaging(query, SORTABLE, 'createdAt');
    const { column, direction } = sortOf(paging);
    const qb = this.users.createQueryBuilder('u');
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    if (query.companyId) qb.andWhere('u.companyId = :companyId', { companyId: query.companyId });
    if (query.search) {
      const pattern = containsPattern(query.search);
      qb.andWhere(new Brackets((w) => w.where('u.email ILIKE :pattern', { pattern }).orWhere('u.fullName ILIKE :pattern', { pattern })));
    }
    const [items, total] = await qb
      .orderBy(`u.${column}`, direction, 'NULLS LAST')
      .addOrderBy('u.id', 'ASC')
      .skip(paging.skip)
      .take(paging.limit)
      .getManyAndCount();
    return { items, total, page: paging.page, limit: paging.limit };
  }

  async get(id: string): Promise<UserEntity> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw notFound();
    return user;
  }

  async create(actor: Principal, dto: CreateUserDto): Promise<UserEntity> {
    this.assertPassword(dto.password, dto.email);
    const companyId = await this.checkCompanyBinding(dto.role, dto.companyId ?? null);
    if (await this.users.existsBy({ email: dto.email })) {
      throw new ApiException(409, ErrorCode.Conflict, 'A user with this e-mail already exists');
    }
    const now = this.clock.now();
    const user = await this.users.save(
      this.users.create({
        email: dto.email,
        fullName: dto.fullName,
        role: dto.role,
        companyId,
        passwordHash: await this.passwords.hash(dto.password),
        passwordChangedAt: now,
      }),
    );
    await this.audit.record({
      action: 'user.created',
      actor,
      target: { type: 'user', id: user.id },
      details: { role: user.role, companyId },
    });
    return user;
  }

  async update(actor: Principal, id: string, dto: UpdateUserDto): Promise<UserEntity> {
    const user = await this.get(id);
    const role = dto.role ?? user.role;
    const companyId = await this.checkCompanyBinding(role, dto.companyId === undefined ? user.companyId : dto.companyId);
    const isActive = dto.isActive ?? user.isActive;
    if (user.role === 'admin' && (role !== 'admin' || !isActive)) await this.assertAnotherAdmin(user.id);
    if (dto.password !== undefined) this.assertPassword(dto.password, user.email);

    const now = this.clock.now();
    const accessChanged = role !== user.role || companyId !== user.companyId || (!isActive && user.isActive) || dto.password !== undefined;
    const changes: Partial<UserEntity> = { fullName: dto.fullName ?? user.fullName, role, companyId, isActive };
    if (dto.password !== undefined) {
      changes.passwordHash = await this.passwords.hash(dto.password);
      changes.passwordChangedAt = now;
      changes.failedLoginCount = 0;
      changes.lockedUntil = null;
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, { id }, changes);
      if (accessChanged) await this.sessions.revokeAllForUser(manager, id, 'access_changed', now);
    });
    await this.audit.record({
      action: dto.role !== undefined && dto.role !== user.role ? 'user.role_changed' : 'user.updated',
      actor,
      target: { type: 'user', id },
      details: {
        fields: Object.keys(dto).map((key) => (key === 'password' ? 'password(reset)' : key)),
        ...(role !== user.role ? { fromRole: user.role, toRole: role } : {}),
        sessionsEnded: accessChanged,
      },
    });
    return this.get(id);
  }

  async remove(actor: Principal, id: string): Promise<void> {
    const user = await this.get(id);
    if (user.id === actor.id) throw new ApiException(409, ErrorCode.Conflict, 'You cannot delete your own account');
    if (user.role === 'admin') await this.assertAnotherAdmin(user.id);
    await this.users.delete({ id });
    await this.audit.record({
      action: 'user.deleted',
      actor,
      target: { type: 'user', id },
      details: { email: user.email, role: user.role },
    });
  }

  async revokeSessions(actor: Principal, id: string): Promise<number> {
    await this.get(id);
    const count = await this.sessions.revokeAllForUser(this.dataSource.manager, id, 'admin_revoked', this.clock.now());
    await this.audit.record({ action: 'user.sessions_revoked', actor, target: { type: 'user', id }, details: { count } });
    return count;
  }

  private assertPassword(password: string, email: string): void {
    const problems = this.passwords.policyProblems(password, email);
    if (problems.length > 0) {
      throw new ApiException(
        400,
        ErrorCode.ValidationFailed,
        'Request validation failed',
        problems.map((message) => ({ field: 'password', message })),
      );
    }
  }

  private async checkCompanyBinding(role: UserEntity['role'], companyId: string | null): Promise<string | null> {
    if (role === 'admin') {
      if (companyId !== null) {
        throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
          { field: 'companyId', message: 'admins are platform-wide and have no company' },
        ]);
      }
      return null;
    }
    if (companyId === null) {
      throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
        { field: 'companyId', message: `companyId is required for role ${role}` },
      ]);
    }
    if (!(await this.dataSource.getRepository(CompanyEntity).existsBy({ id: companyId }))) {
      throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
        { field: 'companyId', message: 'company does not exist' },
      ]);
    }
    return companyId;
  }

  private async assertAnotherAdmin(exceptId: string): Promise<void> {
    const others = await this.users
      .createQueryBuilder('u')
      .where("u.role = 'admin' AND u.isActive = true AND u.id <> :id", { id: exceptId })
      .getCount();
    if (others === 0) throw new ApiException(409, ErrorCode.Conflict, 'The last active admin cannot be removed, disabled or demoted');
  }
}
