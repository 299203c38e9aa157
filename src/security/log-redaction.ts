/** Body and object keys whose values are never logged, at any of the depths listed below. */
export const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'passwordHash',
  'token',
  'accessToken',
  'refreshToken',
  'secret',
  'secretAccessKey',
  'accessKeyId',
  'oauthToken',
  'clientSecret',
  'apiKey',
  'authorization',
  'cookie',
  'jwtSecret',
  'dataEncryptionKey',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["proxy-authorization"]',
  'res.headers["set-cookie"]',
  'err.config.headers.authorization',
  'err.config.headers.Authorization',
  ...SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]),
];

const SECRET_QUERY_KEY = /(token|secret|password|passwd|key|signature|sig|credential|code|auth)/i;

/** Masks the values of secret-looking query parameters in a URL (`?token=abc` → `?token=***`). */
export function maskUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const questionMark = url.indexOf('?');
  if (questionMark === -1) return url;
  const path = url.slice(0, questionMark);
  const masked = url
    .slice(questionMark + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawKey = equals === -1 ? pair : pair.slice(0, equals);
      let key = rawKey;
      try {
        key = decodeURIComponent(rawKey);
      } catch {
        // keep the raw key
      }
      return SECRET_QUERY_KEY.test(key) && equals !== -1 ? `${rawKey}=***` : pair;
    })
    .join('&');
  return `${path}?${masked}`;
}
