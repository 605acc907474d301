import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { health } from '@l1g1/contracts';
import {
  createGrpcClient,
  createKeyVerifier,
  createSilentLogger,
  createSqliteKeyStore,
  createTokenBuckets,
  forwardedPrincipalMetadata,
  grants,
  issueApiKey,
  L1g1Error,
  loadAuthConfig,
  loadGrpcTls,
  loadInternalSecret,
  modelAllowed,
  parseScopes,
  readForwardedPrincipal,
  servicePrincipal,
  signPrincipal,
  startGrpcServer,
  unary,
  type KeyStore,
} from '@l1g1/kit';

async function refusal(p: Promise<unknown>): Promise<L1g1Error> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof L1g1Error, String(err));
    return err;
  }
  assert.fail('expected a refusal');
}

describe('kit/auth: keys, scopes, verification cache, token buckets, forwarded principals', () => {
  let dir: string;
  let store: KeyStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'l1g1-auth-'));
    store = createSqliteKeyStore(join(dir, 'auth', 'keys.db'));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores only a hash: the SQLite file never contains the secret', async () => {
    const { plaintext, record } = await issueApiKey(store, { name: 'ci', scopes: ['predict'], modelPatterns: ['team-a-*'], qps: 5 });
    const secret = plaintext.slice('l1g1_'.length + 13); // the id has no '_', the secret may
    assert.equal(secret.length, 43);
    store.close();
    const bytes = Buffer.concat(['keys.db', 'keys.db-wal'].map((f) => {
      try {
        return readFileSync(join(dir, 'auth', f));
      } catch {
        return Buffer.alloc(0);
      }
    }));
    assert.ok(bytes.includes(Buffer.from(record.id)), 'the id is stored');
    assert.ok(!bytes.includes(Buffer.from(secret)), 'the secret is not');
    store = createSqliteKeyStore(join(dir, 'auth', 'keys.db'));
    const [listed] = await store.list();
    assert.deepEqual([listed!.name, listed!.scopes, listed!.modelPatterns, listed!.qps], ['ci', ['predict'], ['team-a-*'], 5]);
  });

  it('verifies a key, refuses a wrong secret and a malformed key, and honours revocation only after the cache TTL', async () => {
    let now = 1_000_000;
    const verifier = createKeyVerifier({ store, cacheTtlMs: 5000, now: () => now });
    const { plaintext, record } = await issueApiKey(store, { name: 'bot', scopes: ['write'] });
    assert.equal((await verifier.verify(plaintext)).name, 'bot');
    const wrong = plaintext.slice(0, -1) + (plaintext.endsWith('A') ? 'B' : 'A');
    assert.equal((await refusal(verifier.verify(wrong))).kind, 'UNAUTHENTICATED');
    assert.equal((await refusal(verifier.verify('l1g1_nope'))).kind, 'UNAUTHENTICATED');

    await store.revoke(record.id, new Date());
    now += 4000;
    assert.equal((await verifier.verify(plaintext)).name, 'bot', 'still cached within the TTL');
    now += 2000;
    const revoked = await refusal(verifier.verify(plaintext));
    assert.equal(revoked.reason, 'API_KEY_REVOKED');
  });

  it('forget() drops a key from the cache at once (the revoking process)', async () => {
    const verifier = createKeyVerifier({ store, cacheTtlMs: 3_600_000 });
    const { plaintext, record } = await issueApiKey(store, { name: 'bot', scopes: ['read'] });
    await verifier.verify(plaintext);
    await store.revoke(record.id, new Date());
    verifier.forget(record.id);
    assert.equal((await refusal(verifier.verify(plaintext))).reason, 'API_KEY_REVOKED');
  });

  it('scopes: admin implies all, write implies read, predict implies neither read nor write', () => {
    assert.ok(['read', 'predict', 'write', 'admin'].every((s) => grants(['admin'], s as 'read')));
    assert.ok(grants(['write'], 'read'));
    assert.ok(!grants(['write'], 'predict'));
    assert.ok(!grants(['predict'], 'read'));
    assert.ok(!grants(['read'], 'write'));
    assert.ok(grants([], 'public'));
  });

  it('scopes: annotate (a labeler) implies read only; write and admin imply annotate; read does not', () => {
    assert.ok(grants(['annotate'], 'annotate'));
    assert.ok(grants(['annotate'], 'read'));
    assert.ok(!grants(['annotate'], 'write'));
    assert.ok(!grants(['annotate'], 'predict'));
    assert.ok(grants(['write'], 'annotate'));
    assert.ok(grants(['admin'], 'annotate'));
    assert.ok(!grants(['read'], 'annotate'));
    assert.deepEqual(parseScopes(['annotate']), ['annotate']);
  });

  it('model patterns are globs over the model name, an @alias ignored', () => {
    const p = { ...servicePrincipal('x', ['read']), modelPatterns: ['team-a-*', 'exact'] };
    assert.ok(modelAllowed(p, 'team-a-clf'));
    assert.ok(modelAllowed(p, 'team-a-clf@production'));
    assert.ok(modelAllowed(p, 'exact'));
    assert.ok(!modelAllowed(p, 'team-b-clf'));
    assert.ok(!modelAllowed(p, 'exactly'));
    assert.ok(!modelAllowed(p, 'xteam-a-1'));
  });

  it('token buckets: burst of qps, then refusals with a retry time, refilled with time; the map stays bounded', () => {
    let now = 0;
    const buckets = createTokenBuckets({ maxKeys: 3, now: () => now });
    assert.ok(buckets.take('k', 2).allowed);
    const second = buckets.take('k', 2);
    assert.deepEqual([second.allowed, second.limit, second.remaining], [true, 2, 0]);
    const third = buckets.take('k', 2);
    assert.equal(third.allowed, false);
    assert.equal(third.retryAfterMs, 500);
    now += 500;
    assert.ok(buckets.take('k', 2).allowed);
    assert.ok(buckets.take('free', 0).allowed && buckets.take('free', 0).limit === 0);
    for (let i = 0; i < 10; i++) buckets.take(`k${i}`, 1);
    assert.equal(buckets.size, 3);
  });

  it('a forwarded principal verifies only with the suite secret, untampered and fresh', () => {
    const principal = { ...servicePrincipal('gateway-user', ['write']), modelPatterns: ['a-*'] };
    const md = forwardedPrincipalMetadata(principal, 'secret-1');
    const back = readForwardedPrincipal(md, 'secret-1');
    assert.ok(back && back !== 'invalid');
    assert.deepEqual([back.name, back.scopes, back.modelPatterns], ['gateway-user', ['write'], ['a-*']]);
    assert.equal(readForwardedPrincipal(md, 'secret-2'), 'invalid');

    const forged = forwardedPrincipalMetadata(principal, 'secret-1');
    const { value } = signPrincipal({ ...principal, scopes: ['admin'] }, 'secret-1');
    forged.set('x-l1g1-principal', value.slice(0, -2) + 'xx');
    assert.equal(readForwardedPrincipal(forged, 'secret-1'), 'invalid');

    const stale = signPrincipal(principal, 'secret-1', Date.now() - 3_600_000);
    const staleMd = forwardedPrincipalMetadata(principal, 'secret-1');
    staleMd.set('x-l1g1-principal', stale.value);
    staleMd.set('x-l1g1-principal-sig', stale.signature);
    assert.equal(readForwardedPrincipal(staleMd, 'secret-1'), 'invalid');
  });

  it('anonymous access only on a loopback bind host, and only when allowed', () => {
    assert.equal(loadAuthConfig({}, '127.0.0.1').allowAnonymous, true);
    assert.equal(loadAuthConfig({}, '::1').allowAnonymous, true);
    assert.equal(loadAuthConfig({ L1G1_ALLOW_ANONYMOUS: 'false' }, '127.0.0.1').allowAnonymous, false);
    assert.equal(loadAuthConfig({ L1G1_ALLOW_ANONYMOUS: 'true' }, '0.0.0.0').allowAnonymous, false);
    assert.equal(loadAuthConfig({}, '10.1.2.3').allowAnonymous, false);
    assert.throws(() => loadAuthConfig({ L1G1_AUTH_CACHE_TTL_MS: 'soon' }, '127.0.0.1'), /L1G1_AUTH_CACHE_TTL_MS/);
  });

  it('the internal secret is created once per data directory (mode 0600) and the env value wins', () => {
    const a = loadInternalSecret(undefined, dir);
    const b = loadInternalSecret(undefined, dir);
    assert.equal(a, b);
    assert.ok(a.length >= 40);
    assert.equal(statSync(join(dir, 'auth', 'internal.secret')).mode & 0o777, 0o600);
    assert.equal(loadInternalSecret('from-env', dir), 'from-env');
  });
});

describe('kit/auth: gRPC TLS from files named by env', () => {
  it('serves over TLS with a self-signed certificate; a client trusting its CA connects, a plaintext one does not', async function () {
    this.timeout(20_000);
    let openssl = true;
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
    } catch {
      openssl = false;
    }
    if (!openssl) this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'l1g1-tls-'));
    try {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      ], { stdio: 'ignore' });
      const tls = loadGrpcTls({ L1G1_GRPC_TLS_CERT: join(dir, 'cert.pem'), L1G1_GRPC_TLS_KEY: join(dir, 'key.pem'), L1G1_GRPC_TLS_CA: join(dir, 'cert.pem') });
      assert.throws(() => loadGrpcTls({ L1G1_GRPC_TLS_CERT: join(dir, 'cert.pem') }), /L1G1_GRPC_TLS_KEY/);
      assert.throws(() => loadGrpcTls({ L1G1_GRPC_TLS_CA: join(dir, 'missing.pem') }), /L1G1_GRPC_TLS_CA/);
      const server = await startGrpcServer('127.0.0.1:0', { logger: createSilentLogger(), services: [], tls });
      try {
        // By name, as the certificate says (TLS server names cannot be IP addresses).
        const secure = createGrpcClient(health.HealthClient, `localhost:${server.port}`, { tls, defaultDeadlineMs: 5000 });
        const res = await unary(secure.check.bind(secure), { service: '' });
        secure.close();
        assert.equal(res.status, health.HealthCheckResponse_ServingStatus.SERVING);
        const plain = createGrpcClient(health.HealthClient, server.address, { defaultDeadlineMs: 2000 });
        const err = await refusal(unary(plain.check.bind(plain), { service: '' }));
        plain.close();
        assert.ok(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'INTERNAL'].includes(err.kind), err.kind);
      } finally {
        await server.shutdown(100);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
