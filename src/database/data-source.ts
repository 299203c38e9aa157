import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config/load-config';
import { buildTypeOrmOptions } from './typeorm.options';

/**
 * Data source for the TypeORM CLI (`npm run migration:*`). Uses `DATABASE_URL`; without it, the embedded
 * server of `npm start` (it must be running: `npm start` in another terminal).
 */
const config = loadConfig();
const url =
  config.database.url ??
  (() => {
    throw new Error('Set DATABASE_URL for the TypeORM CLI, or use `npm run cli -- migrate` which starts the embedded server');
  })();

export default new DataSource(buildTypeOrmOptions(config, url));
