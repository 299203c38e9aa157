import { applyDecorators, createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

export type Role = 'admin' | 'manager' | 'viewer';

/** The authenticated caller, taken from a verified access token and its live session. */
export interface Principal {
  id: string;
  email: string;
  role: Role;
  companyId: string | null;
  sessionId: string;
  tokenId: string;
}

export const IS_PUBLIC = 'vertex:is-public';
export const REQUIRED_ROLES = 'vertex:roles';

/** Opts a route out of authentication. Every other route requires a valid access token (deny by default). */
export const Public = (): MethodDecorator & ClassDecorator => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension('x-public', true));

/** Restricts a route to the given roles (403 for the others). */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator =>
  applyDecorators(
    SetMetadata(REQUIRED_ROLES, roles),
    ApiExtension('x-roles', roles),
    ApiForbiddenResponse({ description: `Only for: ${roles.join(', ')}.`, type: ErrorResponseDto }),
  );

export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const request = context.switchToHttp().getRequest<{ user?: Principal }>();
  if (!request.user) throw new Error('CurrentUser used on a route without authentication');
  return request.user;
});
