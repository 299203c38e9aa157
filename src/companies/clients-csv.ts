import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ClientEntity } from './entities/client.entity';

const COLUMNS = ['id', 'name', 'phone', 'email', 'notes', 'createdAt'] as const;

/**
 * Neutralises spreadsheet formulas (CSV injection): a cell starting with = + - @, a tab or a carriage return
 * gets a leading apostrophe, so Excel/LibreOffice show it as text instead of evaluating it.
 */
export function escapeFormula(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** Streams clients as CSV (RFC 4180 quoting by csv-stringify), one row at a time. */
export function clientsCsv(rows: AsyncIterable<ClientEntity>): Readable {
  const csv = stringify({ header: true, columns: [...COLUMNS], bom: true });
  const source = Readable.from(
    (async function* () {
      for await (const client of rows) {
        yield {
          id: client.id,
          name: escapeFormula(client.name),
          phone: escapeFormula(client.phone),
          email: escapeFormula(client.email ?? ''),
          notes: escapeFormula(client.notes ?? ''),
          createdAt: client.createdAt.toISOString(),
        };
      }
    })(),
  );
  source.on('error', (error) => csv.destroy(error));
  return source.pipe(csv);
}
