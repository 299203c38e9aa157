import { Command, CommandRunner, Option } from 'nest-commander';
import { say } from './cli-io';
import { SchemaService } from './schema.service';

interface MigrateOptions {
  status?: boolean;
}

/** `migrate`: applies pending migrations (one instance at a time); `--status` only reports. */
@Command({ name: 'migrate', description: 'Apply pending database migrations' })
export class MigrateCommand extends CommandRunner {
  constructor(private readonly schema: SchemaService) {
    super();
  }

  async run(_params: string[], options: MigrateOptions): Promise<void> {
    if (options.status) {
      const { current, pending } = await this.schema.status();
      say(`current migration: ${current ?? 'none'}`);
      say(pending.length === 0 ? 'up to date' : `pending: ${pending.join(', ')}`);
      return;
    }
    const applied = await this.schema.migrate();
    if (applied.length === 0) say('up to date');
    else for (const name of applied) say(`applied ${name}`);
  }

  @Option({ flags: '--status', description: 'print the current migration and what is pending, change nothing' })
  parseStatus(): boolean {
    return true;
  }
}
