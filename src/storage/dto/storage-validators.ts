import { isIP } from 'node:net';
import { applyDecorators } from '@nestjs/common';
import { IsDefined, IsString, Length, Matches, registerDecorator, ValidateIf, type ValidationArguments } from 'class-validator';
import { isValidPrefix } from '../storage-keys';
import type { StorageConnectionType } from '../entities/storage-connection.entity';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function isLinkLocal(hostname: string): boolean {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return (isIP(bare) === 4 && bare.startsWith('169.254.')) || (isIP(bare) === 6 && /^fe[89ab]/i.test(bare));
}

/**
 * Why an endpoint/redirect URL is refused, or null. https only; plain http only for loopback hosts (a MinIO or
 * s3rver on the same machine, a native-app OAuth redirect); never credentials in the URL, a query or fragment,
 * or a link-local host (cloud metadata services live there).
 */
export function urlProblem(value: string, options: { allowPath: boolean }): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  if (url.username || url.password || /^[a-z]+:\/\/[^/]*@/i.test(value)) return 'must not contain credentials';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) {
    return 'must use https (http only for localhost/127.0.0.1/[::1])';
  }
  if (isLinkLocal(url.hostname)) return 'must not point to a link-local address';
  if (url.search || url.hash || value.includes('#') || value.includes('?')) return 'must not have a query or fragment';
  if (!options.allowPath && url.pathname !== '/') return 'must not have a path';
  return null;
}

function customRule(name: string, check: (value: unknown, args: ValidationArguments) => string | null): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => check(value, args) === null,
        defaultMessage: (args: ValidationArguments) => `${args.property} ${check(args.value, args) ?? 'is invalid'}`,
      },
    });
  };
}

/** An S3 endpoint origin: see `urlProblem`; at most 2048 characters. */
export function IsStorageEndpoint(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(1, 2048),
    customRule('isStorageEndpoint', (value) => (typeof value === 'string' ? urlProblem(value, { allowPath: false }) : 'must be a string')),
  );
}

/** An OAuth redirect URI: see `urlProblem` (a path is allowed). */
export function IsRedirectUri(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(1, 2048),
    customRule('isRedirectUri', (value) => (typeof value === 'string' ? urlProblem(value, { allowPath: true }) : 'must be a string')),
  );
}

/** Why a bucket name breaks the S3 naming rules, or null. */
export function bucketProblem(value: string): string | null {
  if (value.length < 3 || value.length > 63) return 'must be 3-63 characters';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(value))
    return 'may contain only lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit';
  if (value.includes('..') || value.includes('.-') || value.includes('-.')) return 'must not contain "..", ".-" or "-."';
  if (isIP(value) === 4) return 'must not look like an IP address';
  if (value.startsWith('xn--') || value.startsWith('sthree-') || value.endsWith('-s3alias') || value.endsWith('--ol-s3')) {
    return 'uses a reserved prefix or suffix';
  }
  return null;
}

export function IsBucketName(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    customRule('isBucketName', (value) => (typeof value === 'string' ? bucketProblem(value) : 'must be a string')),
  );
}

/** A folder path inside the storage (`a/b`), by the storage key rules for prefixes; ≤ 255 characters. */
export function IsStoragePath(max = 255): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(0, max),
    customRule('isStoragePath', (value) =>
      typeof value === 'string' && isValidPrefix(value)
        ? null
        : 'must be a folder path like "media/vertex" (no "..", "\\", "%", control characters)',
    ),
  );
}

/** A credential as issued: printable ASCII without spaces, bounded. Never trimmed. */
export function IsCredential(max: number): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Length(1, max),
    Matches(/^[\x21-\x7e]+$/, { message: '$property must be printable ASCII without spaces' }),
  );
}

/**
 * A field of one connection type: required for that type, refused for the other (so a yandex_disk body with
 * `bucket` is a 400, not silently ignored).
 */
export function ForType(type: StorageConnectionType): PropertyDecorator {
  return applyDecorators(
    ValidateIf((dto: Record<string, unknown>, value: unknown) => dto.type === type || value !== undefined),
    IsDefined({ message: `$property is required for type ${type}` }),
    customRule('forType', (_value, args) => ((args.object as { type?: unknown }).type === type ? null : `applies only to type ${type}`)),
  );
}
