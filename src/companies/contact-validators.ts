import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsObject, IsString, MaxLength, registerDecorator, type ValidationOptions } from 'class-validator';

/** Digits of a phone number after removing the separators people type (spaces, dashes, parentheses, dots). */
export function phoneDigits(value: string): string {
  return value.replace(/[\s\-().]/g, '').replace(/^\+/, '');
}

/** The seed's phone rule: an optional leading +, then 7–20 digits once separators are removed. */
export function isPhone(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 32) return false;
  const stripped = value.trim().replace(/[\s\-().]/g, '');
  return /^\+?\d{7,20}$/.test(stripped);
}

/** Stored form of a phone: `+` (when given) and digits only, so uniqueness is not fooled by formatting. */
export function normalizePhone(value: string): string {
  const trimmed = value.trim();
  return `${trimmed.startsWith('+') ? '+' : ''}${phoneDigits(trimmed)}`;
}

/** http(s) URL with a host, at most 2048 characters, no credentials, no whitespace. */
export function isWebUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 2048 || /\s/.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0 && !url.username && !url.password;
  } catch {
    return false;
  }
}

export const SOCIAL_PLATFORM = /^[a-z][a-z0-9_-]{0,31}$/;
const MAX_SOCIAL_LINKS = 20;

export function IsPhoneNumber(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && isPhone(value) ? normalizePhone(value) : value)),
    IsString(),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isPhoneNumber',
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message: '$property must be a phone number with 7–20 digits', ...options },
        validator: { validate: (value: unknown) => typeof value === 'string' && /^\+?\d{7,20}$/.test(value) },
      }),
  );
}

export function IsWebsite(options?: ValidationOptions): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value)),
    IsString(),
    MaxLength(2048),
    (target: object, propertyName: string | symbol) =>
      registerDecorator({
        name: 'isWebsite',
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message: '$property must be an http(s) URL of at most 2048 characters', ...options },
        validator: { validate: isWebUrl },
      }),
  );
}

/** A map of platform name → http(s) URL, e.g. `{ "instagram": "https://instagram.com/studio" }`. */
export function IsSocialLinks(): PropertyDecorator {
  return applyDecorators(IsObject(), (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isSocialLinks',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `$property must map up to ${MAX_SOCIAL_LINKS} platform names (a-z, 0-9, _ -) to http(s) URLs` },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return entries.length <= MAX_SOCIAL_LINKS && entries.every(([key, url]) => SOCIAL_PLATFORM.test(key) && isWebUrl(url));
        },
      },
    }),
  );
}
