import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import { COMMON_PASSWORDS, isTrivialPattern } from './common-passwords';

/** OWASP's minimum argon2id profile: m = 19 MiB, t = 2, p = 1. */
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

@Injectable()
export class PasswordService {
  private readonly dummyHash: Promise<string> = argon2.hash('vertex-ar timing-equaliser', HASH_OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, HASH_OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /** Costs the same as a real verification, so an unknown e-mail takes as long as a wrong password. */
  async verifyDummy(password: string): Promise<void> {
    await this.verify(await this.dummyHash, password);
  }

  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, HASH_OPTIONS);
  }

  /** The policy of PRODUCT.md §1. Returns the reasons a password is refused (empty when it is acceptable). */
  policyProblems(password: string, email?: string): string[] {
    const problems: string[] = [];
    const length = [...password].length;
    if (length < PASSWORD_MIN_LENGTH) problems.push(`password must be at least ${PASSWORD_MIN_LENGTH} characters`);
    if (length > PASSWORD_MAX_LENGTH) problems.push(`password must be at most ${PASSWORD_MAX_LENGTH} characters`);
    if (!/\p{L}/u.test(password)) problems.push('password must contain at least one letter');
    if (!/\p{Nd}/u.test(password)) problems.push('password must contain at least one digit');
    const lowered = password.toLowerCase();
    if (COMMON_PASSWORDS.has(lowered) || isTrivialPattern(password)) problems.push('password is too common or predictable');
    if (email && lowered === email.trim().toLowerCase()) problems.push('password must not be the e-mail address');
    return problems;
  }
}
