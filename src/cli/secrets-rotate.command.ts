import { Command, CommandRunner, Option } from 'nest-commander';
import { SecretsRotationService } from '@app/security/secrets-rotation.service';
import { fail, say } from './cli-io';
import { SchemaService } from './schema.service';

interface RotateOptions {
  dryRun?: boolean;
}

/** `secrets:rotate`: re-encrypts stored credentials under the current DATA_ENCRYPTION_KEY. */
@Command({ name: 'secrets:rotate', description: 'Re-encrypt stored credentials under the current DATA_ENCRYPTION_KEY' })
export class SecretsRotateCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly rotation: SecretsRotationService,
  ) {
    super();
  }

  async run(_params: string[], options: RotateOptions): Promise<void> {
    await this.schema.ensureMigrated();
    const report = await this.rotation.rotateAll(options.dryRun === true);
    say(`${options.dryRun ? 'would re-encrypt' : 're-encrypted'} ${report.rotated} value(s); ${report.current} already current`);
    if (report.failed.length > 0) {
      for (const item of report.failed) say(`cannot decrypt ${item.table}/${item.id}/${item.field} with any configured key`);
      fail(`${report.failed.length} value(s) could not be decrypted; keep the old key in DATA_ENCRYPTION_PREVIOUS_KEYS`);
    }
  }

  @Option({ flags: '--dry-run', description: 'count what would change, write nothing' })
  parseDryRun(): boolean {
    return true;
  }
}
