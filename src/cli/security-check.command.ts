import { Command, CommandRunner, Option } from 'nest-commander';
import { ReadinessService } from '@app/security/readiness/readiness.service';
import type { ReadinessReport } from '@app/security/readiness/readiness.types';
import { say } from './cli-io';
import { SchemaService } from './schema.service';

interface SecurityCheckOptions {
  min?: number;
  json?: boolean;
}

export const DEFAULT_MIN_SCORE = 80;
/** Exit code when the score is below --min (1 stays "the command failed"). */
export const BELOW_MINIMUM_EXIT_CODE = 2;

function table(report: ReadinessReport): string[] {
  const idWidth = Math.max(...report.items.map((entry) => entry.id.length));
  const lines = [`${'STATUS'.padEnd(6)}  W  ${'CHECK'.padEnd(idWidth)}  DETAIL`];
  for (const entry of report.items) lines.push(`${entry.status.padEnd(6)}  ${entry.weight}  ${entry.id.padEnd(idWidth)}  ${entry.detail}`);
  const todo = report.items.filter((entry) => entry.advice !== null);
  if (todo.length > 0) {
    lines.push('', 'Advice:');
    for (const entry of todo) lines.push(`  [${entry.status}] ${entry.id}: ${entry.advice}`);
  }
  return lines;
}

/** `security:check`: the readiness check for deployment scripts; exit 2 below --min. */
@Command({
  name: 'security:check',
  description: `Score this deployment against the security checklist; exit ${BELOW_MINIMUM_EXIT_CODE} below --min (default ${DEFAULT_MIN_SCORE})`,
})
export class SecurityCheckCommand extends CommandRunner {
  constructor(
    private readonly schema: SchemaService,
    private readonly readiness: ReadinessService,
  ) {
    super();
  }

  async run(_params: string[], options: SecurityCheckOptions): Promise<void> {
    const min = options.min ?? DEFAULT_MIN_SCORE;
    // Like the other commands: pending migrations first (unless DATABASE_MIGRATIONS_RUN=false), so users and audit exist.
    await this.schema.ensureMigrated();
    const report = await this.readiness.check({ source: 'cli', countSelf: false });
    const below = report.score < min;
    if (options.json) say(JSON.stringify({ ...report, min, belowMinimum: below }, null, 2));
    else {
      for (const line of table(report)) say(line);
      say('');
      say(`readiness: ${report.score}% (grade ${report.grade}), minimum ${min}%: ${below ? 'BELOW MINIMUM' : 'ok'}`);
    }
    if (below) process.exitCode = BELOW_MINIMUM_EXIT_CODE;
  }

  @Option({ flags: '--min <percent>', description: `minimum score, an integer 0-101 (default ${DEFAULT_MIN_SCORE}; 101 always fails)` })
  parseMin(value: string): number {
    if (!/^\d{1,3}$/.test(value) || Number(value) > 101) throw new Error('--min must be an integer from 0 to 101');
    return Number(value);
  }

  @Option({ flags: '--json', description: 'print the report as JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}
