import { Injectable } from '@nestjs/common';
import { type EntityManager } from 'typeorm';

/** Revocation of sign-in sessions; every access token of a revoked session stops working at once. */
@Injectable()
export class SessionsService {
  async revoke(manager: EntityManager, sessionId: string, reason: string, now: Date): Promise<void> {
    await manager.query(`UPDATE auth_sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL`, [
      sessionId,
      now,
      reason,
    ]);
  }

  /** Revokes every open session of a user, except `keepSessionId` when given. Returns how many. */
  async revokeAllForUser(manager: EntityManager, userId: string, reason: string, now: Date, keepSessionId?: string): Promise<number> {
    const [, count] = (await manager.query(
      `UPDATE auth_sessions SET revoked_at = $2, revoked_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)`,
      [userId, now, reason, keepSessionId ?? null],
    )) as [unknown[], number];
    return count;
  }
}
