import { Module, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { StorageConnectionUsageRegistry } from '@app/storage/storage-connection-usage';
import { TypeOrmModule } from '@nestjs/typeorm';
import { StorageConnectionEntity } from '@app/storage/entities/storage-connection.entity';
import { StorageModule } from '@app/storage/storage.module';
import { ClientsController } from './clients.controller';
import { ClientsService } from './clients.service';
import { CompaniesController } from './companies.controller';
import { CompaniesService } from './companies.service';
import { CompanyFilesService } from './company-files.service';
import { ClientEntity } from './entities/client.entity';
import { CompanyEntity } from './entities/company.entity';

@Module({
  imports: [TypeOrmModule.forFeature([CompanyEntity, ClientEntity, StorageConnectionEntity]), StorageModule],
  controllers: [CompaniesController, ClientsController],
  providers: [CompaniesService, ClientsService, CompanyFilesService],
  exports: [CompaniesService, ClientsService],
})
export class CompaniesModule implements OnModuleInit {
  constructor(
    private readonly usage: StorageConnectionUsageRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Tells the StorageModule which connections companies use, so it refuses to delete them (409). */
  onModuleInit(): void {
    this.usage.register('companies', {
      countUsers: async (connectionId) => {
        const rows = (await this.dataSource.query(`SELECT count(*)::int AS n FROM companies WHERE storage_connection_id = $1`, [
          connectionId,
        ])) as Array<{ n: number }>;
        return rows[0].n;
      },
    });
  }
}
