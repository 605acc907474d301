/**
 * Creates an API key in the data directory's key store and prints it once:
 *   node packages/launcher/dist/create-key.js --name ci --scopes predict [--model-patterns 'team-a-*'] [--qps 50]
 * For deployments without `npm start` (compose, k8s) and for a lost admin
 * key: whoever can write the data directory (or, with L1G1_DATABASE_URL set,
 * the PostgreSQL database the services share) may mint keys anyway.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { envDatabaseUrl, envString, issueApiKey, L1g1Error, MODEL_PATTERN_RE, openKeyStore, parseScopes } from '@l1g1/kit';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      'model-patterns': { type: 'string' },
      qps: { type: 'string' },
    },
  });
  if (!values.name || !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/.test(values.name)) throw new Error('--name: 1-100 letters, digits, ".", "_", "@" or "-"');
  const scopes = parseScopes((values.scopes ?? '').split(',').filter(Boolean), '--scopes');
  const modelPatterns = (values['model-patterns'] ?? '').split(',').filter(Boolean);
  for (const p of modelPatterns) if (!MODEL_PATTERN_RE.test(p)) throw new Error(`--model-patterns: "${p}" is not a model-name glob`);
  const qps = values.qps === undefined ? 0 : Number(values.qps);
  if (!Number.isInteger(qps) || qps < 0) throw new Error('--qps: a non-negative integer');
  const dataDir = resolve(envString(process.env, 'L1G1_DATA_DIR', './.l1g1'));
  const keys = await openKeyStore({ databaseUrl: envDatabaseUrl(process.env, 'L1G1_DATABASE_URL'), keyDbPath: join(dataDir, 'auth', 'keys.db') });
  try {
    const { record, plaintext } = await issueApiKey(keys, { name: values.name, scopes, modelPatterns, qps });
    console.log(`key "${record.name}" (id ${record.id}, scopes ${record.scopes.join(',')}); shown only now:\n\n  ${plaintext}\n`);
  } finally {
    await keys.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof L1g1Error || err instanceof Error ? err.message : String(err));
  process.exit(2);
});
