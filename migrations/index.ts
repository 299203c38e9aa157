import { InitialSchema1796342400000 } from './1796342400000-InitialSchema';
import { StorageConnections1796399129361 } from './1796399129361-StorageConnections';
import { CompaniesAndClients1796400000000 } from './1796400000000-CompaniesAndClients';
import { MailOutbox1796401000000 } from './1796401000000-MailOutbox';
import { ArContent1796402000000 } from './1796402000000-ArContent';
import { Backups1796403500000 } from './1796403500000-Backups';
import { UploadLimits1796404000000 } from './1796404000000-UploadLimits';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests run the same set. */
export const MIGRATIONS = [
  InitialSchema1796342400000,
  StorageConnections1796399129361,
  CompaniesAndClients1796400000000,
  MailOutbox1796401000000,
  ArContent1796402000000,
  Backups1796403500000,
  UploadLimits1796404000000,
];
