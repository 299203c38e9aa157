import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StorageConnectionEntity } from './entities/storage-connection.entity';
import { StorageAdapterFactory } from './storage-adapter.factory';
import { STORAGE_CONNECTION_USAGE, StorageConnectionUsageRegistry } from './storage-connection-usage';
import { StorageConnectionTesterService } from './storage-connection-tester.service';
import { StorageConnectionsController } from './storage-connections.controller';
import { StorageConnectionsService } from './storage-connections.service';
import { StorageService } from './storage.service';

/**
 * Storage connections (admin CRUD + test), the adapters behind `StorageAdapter` and `StorageService.forCompany`.
 * Modules above (companies) register how many records use a connection with `StorageConnectionUsageRegistry`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([StorageConnectionEntity])],
  controllers: [StorageConnectionsController],
  providers: [
    StorageService,
    StorageAdapterFactory,
    StorageConnectionsService,
    StorageConnectionTesterService,
    StorageConnectionUsageRegistry,
    { provide: STORAGE_CONNECTION_USAGE, useExisting: StorageConnectionUsageRegistry },
  ],
  exports: [StorageService, StorageAdapterFactory, StorageConnectionsService, StorageConnectionUsageRegistry, STORAGE_CONNECTION_USAGE],
})
export class StorageModule {}
