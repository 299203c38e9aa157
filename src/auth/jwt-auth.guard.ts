import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { IS_PUBLIC, type Principal, type Role } from '@app/common/auth.decorators';
import { Clock } from '@app/security/clock';
import { ApiException, ErrorCode } from '@app/security/errors';
import { requestContext } from '@app/security/request-context';
import { TokenService } from './token.service';

const TOKEN_QUERY_PARAMS = ['token', 'access_token', 'accessToken', 'jwt', 'auth'];

interface LiveSessionRow {
  email: string;
  role: Role;
  company_id: string | null;
  is_active: boolean;
}

const unauthorized = (message = 'Authentication required'): ApiException =>
  new ApiException(401, ErrorCode.Unauthorized, message, undefined, { 'WWW-Authenticate': 'Bearer' });

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`. Tokens are accepted only
 * from the Authorization header, and only while their session is open and the user's role and company are
 * what the token says (so logout, password change, disable and role change take effect at once).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const req = context.switchToHttp().getRequest<Request & { user?: Principal }>();

    const query = req.query as Record<string, unknown>;
    if (TOKEN_QUERY_PARAMS.some((name) => query[name] !== undefined)) {
      throw unauthorized('Send the access token in the Authorization header, never in the URL');
    }
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header) : null;
    if (!match) throw unauthorized();

    const now = this.clock.now();
    const claims = this.tokens.verifyAccessToken(match[1], now);
    if (!claims) throw unauthorized('Access token is invalid or expired');

    const rows = (await this.dataSource.query(
      `SELECT u.email, u.role, u.company_id, u.is_active
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > $3`,
      [claims.sid, claims.sub, now],
    )) as LiveSessionRow[];
    const live = rows[0];
    if (!live || !live.is_active || live.role !== claims.role || live.company_id !== claims.companyId) {
      throw unauthorized('Session has ended, sign in again');
    }

    req.user = {
      id: claims.sub,
      email: live.email,
      role: live.role,
      companyId: live.company_id,
      sessionId: claims.sid,
      tokenId: claims.jti,
    };
    const store = requestContext.current();
    if (store) {
      store.userId = claims.sub;
      store.companyId = live.company_id;
    }
    return true;
  }
}
