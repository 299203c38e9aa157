import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '@app/config/app-config';
import type { Role } from '@app/common/auth.decorators';

/** RFC 9068 media type for access tokens; refresh tokens are opaque and can never pass as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
const MAX_TOKEN_LENGTH = 4096;

export interface AccessClaims {
  sub: string;
  sid: string;
  jti: string;
  role: Role;
  companyId: string | null;
  iat: number;
  exp: number;
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  expiresIn: number;
}

@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  signAccessToken(user: { id: string; role: Role; companyId: string | null }, sessionId: string, now: Date): IssuedAccessToken {
    const security = this.config.security;
    const jti = randomUUID();
    const iat = Math.floor(now.getTime() / 1000);
    const token = this.jwt.sign(
      { sid: sessionId, role: user.role, companyId: user.companyId, iat, exp: iat + security.accessTokenTtlSeconds },
      {
        secret: security.jwtSecret,
        algorithm: 'HS256',
        issuer: security.jwtIssuer,
        audience: security.jwtAudience,
        subject: user.id,
        jwtid: jti,
        header: { alg: 'HS256', typ: ACCESS_TOKEN_TYPE },
      },
    );
    return { token, jti, expiresIn: security.accessTokenTtlSeconds };
  }

  /**
   * Verifies signature (HS256 only), `iss`, `aud`, `exp`/`nbf` (30 s tolerance) and the `typ` header, then the
   * claim shapes. Returns null for anything else; never decodes without verifying.
   */
  verifyAccessToken(token: string, now: Date): AccessClaims | null {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const security = this.config.security;
    try {
      const verified = this.jwt.verify<{ header: { typ?: string }; payload: Record<string, unknown> }>(token, {
        secret: security.jwtSecret,
        algorithms: ['HS256'],
        issuer: security.jwtIssuer,
        audience: security.jwtAudience,
        clockTolerance: 30,
        clockTimestamp: Math.floor(now.getTime() / 1000),
        complete: true,
      } as never);
      if (verified.header?.typ !== ACCESS_TOKEN_TYPE) return null;
      const claims = verified.payload;
      const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      if (typeof claims.sub !== 'string' || !uuid.test(claims.sub)) return null;
      if (typeof claims.sid !== 'string' || !uuid.test(claims.sid)) return null;
      if (typeof claims.jti !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number') return null;
      if (!['admin', 'manager', 'viewer'].includes(claims.role as string)) return null;
      if (claims.companyId !== null && typeof claims.companyId !== 'string') return null;
      return claims as unknown as AccessClaims;
    } catch {
      return null;
    }
  }

  newRefreshToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: TokenService.hashRefreshToken(token) };
  }

  static hashRefreshToken(token: string): string {
    return createHash('sha256').update(token, 'utf8').digest('hex');
  }
}
