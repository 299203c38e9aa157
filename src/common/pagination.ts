import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ApiException, ErrorCode } from '@app/security/errors';
import { IsIntegerQuery } from './validation';

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 1, example: 1 })
  @IsOptional()
  @IsIntegerQuery(1, 1000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20, example: 20 })
  @IsOptional()
  @IsIntegerQuery(1, 100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Field to sort by; prefix with `-` for descending.', example: '-createdAt' })
  @IsOptional()
  @IsString()
  @Matches(/^-?[A-Za-z]{1,40}$/, { message: 'sort must be a field name, optionally prefixed with -' })
  sort?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

export interface ResolvedPaging {
  page: number;
  limit: number;
  skip: number;
  orderBy: Record<string, 'ASC' | 'DESC'>;
}

/** The single sort of a resolved page as column and direction, for query builders. */
export function sortOf(paging: ResolvedPaging): { column: string; direction: 'ASC' | 'DESC' } {
  const [column, direction] = Object.entries(paging.orderBy)[0];
  return { column, direction };
}

/** A `LIKE`/`ILIKE` pattern matching `text` anywhere, with `\`, `%` and `_` in it taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Turns page/limit/sort into query options. Sort keys go through `allowed` (API field → entity property),
 * so no client text ever reaches ORDER BY.
 */
export function resolvePaging(query: PageQueryDto, allowed: Record<string, string>, defaultSort: string): ResolvedPaging {
  const page = query.page ?? 1;
  const limit = query.limit ?? 20;
  const sort = query.sort ?? defaultSort;
  const descending = sort.startsWith('-');
  const key = descending ? sort.slice(1) : sort;
  // Own properties only: `constructor`, `toString` and friends are not sort keys.
  const column = Object.hasOwn(allowed, key) ? allowed[key] : undefined;
  if (typeof column !== 'string') {
    throw new ApiException(400, ErrorCode.ValidationFailed, 'Request validation failed', [
      { field: 'sort', message: `sort must be one of: ${Object.keys(allowed).join(', ')} (prefix - for descending)` },
    ]);
  }
  return { page, limit, skip: (page - 1) * limit, orderBy: { [column]: descending ? 'DESC' : 'ASC' } };
}

/** OpenAPI shape of a page, built per item type. */
export function pageSchemaOf(itemRef: string): Record<string, unknown> {
  return {
    type: 'object',
    required: ['items', 'total', 'page', 'limit'],
    properties: {
      items: { type: 'array', items: { $ref: itemRef } },
      total: { type: 'integer', example: 42 },
      page: { type: 'integer', example: 1 },
      limit: { type: 'integer', example: 20 },
    },
  };
}

export class PageMetaDto {
  @ApiProperty({ example: 42 }) total: number;
  @ApiProperty({ example: 1 }) page: number;
  @ApiProperty({ example: 20 }) limit: number;
}
