// Backup bench (not part of `npm test`): `npm run build && node bench/backup.mjs`.
// Backup and restore time and peak RSS of `cli backup create full` / `backup restore --yes` for 10 000
// portraits (+ 10 000 clients) and BENCH_OBJECT_MB (default 2048) of local objects, next to pg_dump -Fc + tar
// (and pg_restore + tar -x) of the same data in the same run when pg_dump is on the PATH.
import { Buffer } from 'node:buffer';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OBJECT_MB = Number(process.env.BENCH_OBJECT_MB ?? 2048);
const FILE_MB = 8;
const ROWS = 10_000;
const root = mkdtempSync(join(tmpdir(), 'vertex-bench-backup-'));
const db = `vertex_bench_${randomBytes(4).toString('hex')}`;
const dbUrl = (name) => Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
const env = { ...process.env, NODE_ENV: 'development', DATA_DIR: join(root, 'data'), DATABASE_URL: dbUrl(db), LOG_LEVEL: 'warn' };

async function sql(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** Runs a command under /usr/bin/time: wall seconds and peak RSS (MB). */
function timed(label, command, args, options = {}) {
  const result = spawnSync('/usr/bin/time', ['-f', '__TIME__ %e %M', command, ...args], { encoding: 'utf8', env, ...options });
  const match = /__TIME__ ([\d.]+) (\d+)/.exec(result.stderr);
  if (result.status !== 0) throw new Error(`${label} failed (${result.status}): ${result.stderr.slice(-500)}`);
  return { label, seconds: Number(match[1]), peakRssMb: Math.round(Number(match[2]) / 1024), stdout: result.stdout };
}

const results = [];
try {
  await sql(ADMIN_URL, `CREATE DATABASE "${db}"`);
  execFileSync('node', ['dist/src/cli.js', 'migrate'], { env, stdio: 'ignore' });
  const [company] = await sql(dbUrl(db), `INSERT INTO companies (name) VALUES ('Bench studio') RETURNING id`);
  await sql(
    dbUrl(db),
    `INSERT INTO clients (company_id, name, phone, email)
       SELECT '${company.id}', 'Client ' || i, '+7999' || lpad(i::text, 7, '0'), 'client' || i || '@example.com' FROM generate_series(1, ${ROWS}) i`,
  );
  await sql(
    dbUrl(db),
    `INSERT INTO portraits (id, company_id, client_id, slug, title, image_key, image_width, image_height, image_size, trackability, lifecycle_notices)
       SELECT gen_random_uuid(), c.company_id, c.id, md5(c.id::text), 'Portrait ' || c.name,
              'companies/${company.id}/portraits/' || c.id || '/image.jpg', 1200, 1600, 420000,
              '{"score": 0.82, "features": 311}'::jsonb, '{}'::jsonb
       FROM clients c`,
  );
  const [{ n }] = await sql(dbUrl(db), `SELECT count(*)::int AS n FROM portraits`);
  if (n !== ROWS) throw new Error(`seeded ${n} portraits`);
  const storage = join(root, 'data', 'storage');
  const files = Math.max(1, Math.round(OBJECT_MB / FILE_MB));
  const block = randomBytes(1024 * 1024);
  for (let i = 0; i < files; i += 1) {
    const dir = join(storage, 'companies', company.id, 'portraits', `p${String(i).padStart(5, '0')}`);
    mkdirSync(dir, { recursive: true });
    // Random-looking content (a fresh 4-byte prefix per MiB keeps files distinct) without 2 GB of CSPRNG work.
    const parts = [];
    for (let mb = 0; mb < FILE_MB; mb += 1) parts.push(Buffer.concat([randomBytes(16), block.subarray(16)]));
    writeFileSync(join(dir, 'video.mp4'), Buffer.concat(parts));
  }
  const [{ size }] = await sql(dbUrl(db), `SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
  console.log(`seeded ${ROWS} portraits + ${ROWS} clients (database ${size}), ${files} objects × ${FILE_MB} MB = ${files * FILE_MB} MB`);

  const backup = timed('vertex-ar backup create full', 'node', ['dist/src/cli.js', 'backup', 'create', 'full']);
  results.push(backup);
  const id = /backup ([0-9a-f-]{36}) complete/.exec(backup.stdout)[1];
  const archive = statSync(join(root, 'data', 'backups', `${id}.vbak`)).size;
  results.push(timed('vertex-ar backup verify (checksums + scratch restore)', 'node', ['dist/src/cli.js', 'backup', 'verify', id]));
  rmSync(storage, { recursive: true, force: true });
  results.push(timed('vertex-ar backup restore --yes (db + objects)', 'node', ['dist/src/cli.js', 'backup', 'restore', id, '--yes']));

  if (spawnSync('sh', ['-c', 'command -v pg_dump'], { encoding: 'utf8' }).status === 0) {
    const dump = join(root, 'db.dump');
    results.push(timed('pg_dump -Fc', 'pg_dump', ['-Fc', '-f', dump, dbUrl(db)]));
    results.push(timed('tar -cf storage', 'tar', ['-cf', join(root, 'storage.tar'), '-C', join(root, 'data'), 'storage']));
    await sql(ADMIN_URL, `CREATE DATABASE "${db}_r"`);
    results.push(timed('pg_restore (fresh db)', 'pg_restore', ['-d', dbUrl(`${db}_r`), dump]));
    const out = join(root, 'untar');
    mkdirSync(out);
    results.push(timed('tar -xf storage', 'tar', ['-xf', join(root, 'storage.tar'), '-C', out]));
    console.log(
      `pg_dump file ${(statSync(dump).size / 1e6).toFixed(1)} MB, storage.tar ${(statSync(join(root, 'storage.tar')).size / 1e6).toFixed(1)} MB`,
    );
  } else {
    console.log('pg_dump not on the PATH: comparison skipped');
  }
  console.log(`vertex-ar archive ${(archive / 1e6).toFixed(1)} MB (encrypted, uncompressed)`);
  console.table(results.map(({ label, seconds, peakRssMb }) => ({ step: label, seconds, 'peak RSS MB': peakRssMb })));
} finally {
  for (const name of [db, `${db}_r`]) await sql(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
