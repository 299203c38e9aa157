import { applyDecorators, ValidationPipe, type ValidationError } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Length, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { ApiException, ErrorCode, type ErrorDetail } from '@app/security/errors';

/** C0/C1 control characters, and bidi overrides/isolates that can disguise text. */
// eslint-disable-next-line no-control-regex
export const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200b\ufeff]/;
const NO_FORBIDDEN_CHARACTERS = new RegExp(`^[^${FORBIDDEN_CHARACTERS.source.slice(1, -1)}]*$`);

/** The seed's e-mail rule (ASCII local part and domain, a dotted TLD of two or more letters). */
export const EMAIL_PATTERN = /^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/;

const normalizeText = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim().normalize('NFC') : value);

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** The global pipe: unknown fields are errors, values are never echoed back, nothing is converted implicitly. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) =>
      new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', flatten(errors).slice(0, 50)),
  });
}

/** Optional, but when present it must not be null (`@IsOptional` would let null through). */
export function IsOptionalNonNull(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** A trimmed, NFC-normalised string of bounded length without control or bidi-override characters. */
export function IsCleanString(options: { min?: number; max: number }): PropertyDecorator {
  return applyDecorators(
    Transform(normalizeText),
    IsString(),
    Length(options.min ?? 1, options.max),
    Matches(NO_FORBIDDEN_CHARACTERS, { message: '$property contains control or invisible formatting characters' }),
  );
}

/** An e-mail by the seed's rule, stored trimmed and lower-cased. */
export function IsEmailAddress(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value)),
    IsString(),
    MaxLength(254),
    Matches(EMAIL_PATTERN, { message: '$property must be a valid e-mail address' }),
  );
}

/** A password as typed: never trimmed or case-folded; bounded so a 10 KB value is refused before hashing. */
export function IsPasswordInput(): PropertyDecorator {
  return applyDecorators(IsString(), Length(1, 128, { message: '$property must be at most 128 characters' }));
}

/** Integer query parameter: only a plain decimal string converts; arrays (`?page=1&page=2`) and junk fail. */
export function IsIntegerQuery(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value)),
    IsInt(),
    Min(min),
    Max(max),
  );
}
