import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { REQUIRED_ROLES, type Principal, type Role } from '@app/common/auth.decorators';
import { ApiException, ErrorCode } from '@app/security/errors';

/** Enforces `@Roles(...)`; runs after JwtAuthGuard. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, [context.getHandler(), context.getClass()]);
    if (!roles || roles.length === 0) return true;
    const user = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (user && roles.includes(user.role)) return true;
    throw new ApiException(403, ErrorCode.Forbidden, 'You do not have permission to do this');
  }
}
