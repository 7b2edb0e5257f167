import { loadConfig, redact } from '../../config.js';
import { openBlobBackend } from '../../store/blob-open.js';
import { migrateStudio, type MigrateSummary } from '../../store/migrate-studio.js';
import { STUDIO_TABLES } from '../../store/migrate-rows.js';
import { parseOptions, UsageError } from '../args.js';
import { errorLine, printJson, printLines, table } from '../output.js';

/**
 * `studio-mcp migrate --to postgres://… [--s3-bucket B] [--from DIR] [--json]`: move an embedded studio onto
 * Postgres (and S3). Refuses a target holding another studio; a re-run continues an interrupted copy.
 */
export async function migrateCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseOptions(argv, {
    to: { type: 'string' },
    's3-bucket': { type: 'string' },
    from: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const to = values.to?.trim();
  if (!to) throw new UsageError('migrate needs --to postgres://user:password@host:port/database (the target Postgres)');
  if (!/^postgres(ql)?:\/\//.test(to)) throw new UsageError(`--to takes a postgres:// or postgresql:// URL, got '${safeUrl(to)}'`);
  const bucket = values['s3-bucket']?.trim();
  if (values['s3-bucket'] !== undefined && !bucket) throw new UsageError('--s3-bucket takes a bucket name');
  // The target's settings as a server on it would read them (so the S3 endpoint, keys and STUDIO_S3_PREFIX are the
  // standard variables), and so that `redact` knows the URL's password and the AWS secret.
  const config = loadConfig({
    ...env,
    ...(values.from ? { STUDIO_HOME: values.from } : {}),
    STUDIO_DATABASE_URL: to,
    STUDIO_S3_BUCKET: bucket ?? '',
  });
  const target = `${safeUrl(to)}${config.s3 ? ` + s3://${config.s3.bucket}/${config.s3.prefix ?? ''}` : ''}`;
  process.stderr.write(`studio-mcp: migrating ${config.home} → ${target}\n`);
  let lastShown = 0;
  try {
    const summary = await migrateStudio({
      from: config.home,
      databaseUrl: to,
      blobs: openBlobBackend(config),
      onBlob: (done, total) => {
        if (done === total || done - lastShown >= 50) {
          lastShown = done;
          process.stderr.write(`studio-mcp: files ${done}/${total}\n`);
        }
      },
    });
    if (values.json) printJson({ ...summary, target });
    else printLines(summaryLines(summary, target, config.s3 !== undefined));
    return 0;
  } catch (err) {
    errorLine(`migrate failed: ${redact(err instanceof Error ? err.message : String(err), config)}`);
    return 1;
  }
}

function summaryLines(s: MigrateSummary, target: string, s3: boolean): string[] {
  const mb = (s.blobs.bytes / 1e6).toFixed(1);
  if (s.finishedBefore) {
    return [
      `already migrated: ${s.source} was copied to ${target} (finished ${s.finishedBefore}); nothing copied again, so rows deleted there since stay deleted`,
      ...table([['table', 'rows now'], ...STUDIO_TABLES.map((t) => [t, String(s.rows[t])])]),
    ];
  }
  return [
    `${s.resumed ? 'resumed and finished' : 'migrated'} ${s.source} → ${target}`,
    ...table([['table', 'rows'], ...STUDIO_TABLES.map((t) => [t, String(s.rows[t])])]),
    s3
      ? `files: ${s.blobs.copied} copied, ${s.blobs.skipped} already there (sha256 matched), ${mb} MB copied; every copy read back and its sha256 verified`
      : `files: ${s.blobs.verified} verified in place (${mb} MB; sha256 matched); they stay in ${s.source}: run the studio with ` +
        `STUDIO_HOME=${s.source} and STUDIO_DATABASE_URL`,
    ...(s.missing.length
      ? [`warning: ${s.missing.length} file(s) named by media rows are not in the source folder (rows copied): ${s.missing.slice(0, 5).join(', ')}`]
      : []),
    `time: ${s.seconds.toFixed(1)} s`,
  ];
}

/** The URL without its password (never printed). */
function safeUrl(u: string): string {
  try {
    const url = new URL(u);
    url.password = '';
    return url.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
