import type { Principal } from '@app/common/auth.decorators';
import { ApiException, ErrorCode } from '@app/security/errors';

export type AccessMode = 'read' | 'write';

/**
 * The one tenant rule of ARCHITECTURE.md §4: admins reach every company; managers and viewers only their own,
 * viewers read-only. Another company's resource answers 404 (its existence is not revealed); a viewer's write
 * to their own company answers 403.
 */
export function assertCompanyAccess(principal: Principal, companyId: string, mode: AccessMode, what = 'Company'): void {
  if (principal.role === 'admin') return;
  if (principal.companyId !== companyId) throw new ApiException(404, ErrorCode.NotFound, `${what} not found`);
  if (mode === 'write' && principal.role !== 'manager') {
    throw new ApiException(403, ErrorCode.Forbidden, 'Viewers have read-only access');
  }
}
