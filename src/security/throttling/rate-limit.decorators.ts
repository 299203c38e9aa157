import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_POLICY = 'vertex:rate-limit-policy';
export const SKIP_RATE_LIMIT = 'vertex:skip-rate-limit';

/** Sign-in routes: AUTH_RATE_LIMIT per client IP and per account, failing closed when the counter store is down. */
export const AuthRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(RATE_LIMIT_POLICY, 'auth');
/** Upload routes: UPLOAD_RATE_LIMIT per user, checked before the body is read. */
export const UploadRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(RATE_LIMIT_POLICY, 'upload');
/** Public AR viewer and its assets: VIEWER_RATE_LIMIT per IP, instead of the API's global budget. */
export const ViewerRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(RATE_LIMIT_POLICY, 'viewer');
/** Only for probes that load balancers call often (health). */
export const SkipRateLimit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_RATE_LIMIT, true);

export type RateLimitPolicy = 'auth' | 'upload' | 'viewer';
