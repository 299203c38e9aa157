import { Injectable } from '@nestjs/common';

/** Something that can use a storage connection (companies do); deleting a connection in use is refused. */
export interface StorageConnectionUsage {
  /** How many records use the connection (0: none). */
  countUsers(connectionId: string): Promise<number>;
}

/** Injection token of the usage check StorageConnectionsService asks before a delete. */
export const STORAGE_CONNECTION_USAGE = Symbol('STORAGE_CONNECTION_USAGE');

/**
 * The default `STORAGE_CONNECTION_USAGE`: sums the sources registered by the modules above storage (the
 * CompaniesModule registers its count in `onModuleInit`), so dependencies keep pointing one way. With no source
 * registered it answers 0.
 */
@Injectable()
export class StorageConnectionUsageRegistry implements StorageConnectionUsage {
  private readonly sources = new Map<string, StorageConnectionUsage>();

  register(name: string, source: StorageConnectionUsage): void {
    this.sources.set(name, source);
  }

  async countUsers(connectionId: string): Promise<number> {
    let total = 0;
    for (const source of this.sources.values()) total += await source.countUsers(connectionId);
    return total;
  }
}
