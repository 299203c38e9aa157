import { randomBytes } from 'node:crypto';
import { PasswordService } from '../../src/auth/password.service';
import type { UserRole } from '../../src/auth/entities/user.entity';
import { knownSecrets, type TestApp } from './test-app';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: UserRole;
  companyId: string | null;
}

export interface SignedIn extends TestUser {
  accessToken: string;
  refreshToken: string;
  auth: { Authorization: string };
}

const unique = (): string => randomBytes(4).toString('hex');

export function strongPassword(): string {
  const password = `Pw-${randomBytes(12).toString('base64url')}-9x`;
  knownSecrets.add(password);
  return password;
}

export async function makeCompany(t: TestApp, name = `Company ${unique()}`): Promise<{ id: string; name: string }> {
  const rows = (await t.db.query(`INSERT INTO companies (name) VALUES ($1) RETURNING id, name`, [name])) as Array<{
    id: string;
    name: string;
  }>;
  return rows[0];
}

export async function makeUser(
  t: TestApp,
  options: { role?: UserRole; companyId?: string | null; email?: string; password?: string; isActive?: boolean } = {},
): Promise<TestUser> {
  const role = options.role ?? 'admin';
  const companyId = role === 'admin' ? null : (options.companyId ?? (await makeCompany(t)).id);
  const email = options.email ?? `${role}-${unique()}@example.com`;
  const password = options.password ?? strongPassword();
  const hash = await t.app.get(PasswordService).hash(password);
  const rows = (await t.db.query(
    `INSERT INTO users (email, full_name, role, company_id, password_hash, is_active) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [email, `Test ${role}`, role, companyId, hash, options.isActive ?? true],
  )) as Array<{ id: string }>;
  return { id: rows[0].id, email, password, role, companyId };
}

export async function login(t: TestApp, user: TestUser): Promise<SignedIn> {
  const response = await t.http.post('/api/v1/auth/login').send({ email: user.email, password: user.password });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  const { accessToken, refreshToken } = response.body as { accessToken: string; refreshToken: string };
  knownSecrets.add(refreshToken);
  return { ...user, accessToken, refreshToken, auth: { Authorization: `Bearer ${accessToken}` } };
}

export async function loginAs(t: TestApp, role: UserRole, companyId?: string): Promise<SignedIn> {
  return login(t, await makeUser(t, { role, companyId }));
}
