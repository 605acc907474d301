import { strict as assert } from 'node:assert';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ConfigError, envAddress, envBool, envInt, envUpstream, errors, fromServiceError, grpcToHttpStatus, L1g1Error, toServiceError } from '@l1g1/kit';

describe('kit: error catalogue', () => {
  it('maps each domain error to one gRPC status and back, keeping reason, field and retry hint', () => {
    const err = errors.invalidArgument('inputs[0].shape', 'bad shape', { reason: 'INVALID_TENSOR_SHAPE' });
    const wire = toServiceError(err);
    assert.equal(wire.code, status.INVALID_ARGUMENT);
    assert.equal(wire.details, 'inputs[0].shape: bad shape');
    const back = fromServiceError({ ...new Error(wire.details), code: wire.code!, details: wire.details!, metadata: wire.metadata! } as ServiceError);
    assert.equal(back.kind, 'INVALID_ARGUMENT');
    assert.equal(back.reason, 'INVALID_TENSOR_SHAPE');
    assert.equal(back.field, 'inputs[0].shape');

    const full = toServiceError(errors.resourceExhausted('queue full', 40));
    assert.equal(full.code, status.RESOURCE_EXHAUSTED);
    assert.equal(full.metadata!.get('retry-after-ms')[0], '40');
  });

  it('turns unknown errors into INTERNAL with an incident id, never the detail', () => {
    const logged: unknown[] = [];
    const logger = { error: (o: unknown) => logged.push(o) } as never;
    const wire = toServiceError(new TypeError('secret path /etc/passwd'), logger);
    assert.equal(wire.code, status.INTERNAL);
    assert.doesNotMatch(wire.details!, /passwd/);
    assert.match(wire.details!, /incident [0-9a-f-]{36}/);
    assert.equal(logged.length, 1);
  });

  it('answers an INTERNAL L1g1Error with a stable message and incident id, its own message only logged', () => {
    const logged: Record<string, unknown>[] = [];
    const logger = { error: (o: Record<string, unknown>) => logged.push(o) } as never;
    const err = errors.internal('blob /srv/l1g1/registry/blobs/sha256/ab/abc is missing', { reason: 'BLOB_MISSING' });

    const wire = toServiceError(err, logger);

    assert.equal(wire.code, status.INTERNAL);
    assert.match(wire.details!, /^internal error \(incident [0-9a-f-]{36}\)$/);
    const back = fromServiceError({ ...new Error(wire.details), code: wire.code!, details: wire.details!, metadata: wire.metadata! } as ServiceError);
    assert.equal(back.message, wire.details, 'the detail carries the same stable text');
    assert.doesNotMatch(back.message, /srv|blob/);
    assert.equal(back.reason, 'BLOB_MISSING', 'the stable reason code stays');
    assert.equal(back.metadata.incident_id, /incident ([0-9a-f-]{36})/.exec(wire.details!)?.[1]);
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.err, err, 'the detail is logged');
    assert.equal(logged[0]?.incident, back.metadata.incident_id);
  });

  it('hides transport texts of failures passing through, keeping their status', () => {
    const transport = (code: status, details: string): ServiceError =>
      Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() }) as ServiceError;
    const logger = { error: () => undefined, warn: () => undefined } as never;

    const deadline = toServiceError(transport(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.002s,LB pick: 0.001s, remote_addr=127.0.0.1:37313'), logger);
    const unavailable = toServiceError(transport(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED 127.0.0.1:50051'), logger);
    const internal = toServiceError(transport(status.INTERNAL, 'Request message serialization failure: invalid int32'), logger);

    assert.equal(deadline.code, status.DEADLINE_EXCEEDED);
    assert.equal(unavailable.code, status.UNAVAILABLE);
    assert.equal(internal.code, status.INTERNAL);
    for (const wire of [deadline, unavailable, internal]) {
      assert.doesNotMatch(wire.details!, /127\.0\.0\.1|remote_addr|LB pick|serialization|ECONNREFUSED/);
    }
    assert.match(internal.details!, /incident/);
  });

  it('has one gRPC -> HTTP table', () => {
    assert.equal(grpcToHttpStatus(status.INVALID_ARGUMENT), 400);
    assert.equal(grpcToHttpStatus(status.NOT_FOUND), 404);
    assert.equal(grpcToHttpStatus(status.RESOURCE_EXHAUSTED), 429);
    assert.equal(grpcToHttpStatus(status.UNAVAILABLE), 503);
    assert.equal(grpcToHttpStatus(status.DEADLINE_EXCEEDED), 504);
    assert.equal(grpcToHttpStatus(status.FAILED_PRECONDITION), 400, "google.rpc maps FAILED_PRECONDITION to 400");
    assert.equal(grpcToHttpStatus(status.ABORTED), 409);
    assert.equal(grpcToHttpStatus(999), 500);
  });

  it('decodes a status without L1G1 detail from another server', () => {
    const e = fromServiceError({ ...new Error('x'), code: status.NOT_FOUND, details: 'no such thing', metadata: new Metadata() } as ServiceError);
    assert.ok(e instanceof L1g1Error);
    assert.equal(e.kind, 'NOT_FOUND');
    assert.equal(e.message, 'no such thing');
  });

  it('gives transport failures a stable message at the client edge, so a service relaying them leaks no grpc-js text', () => {
    const transport = (code: status, details: string) => ({ ...new Error(details), code, details, metadata: new Metadata() }) as ServiceError;
    const dropped = fromServiceError(transport(status.UNAVAILABLE, 'Connection dropped'));
    assert.equal(dropped.kind, 'UNAVAILABLE');
    assert.equal(dropped.message, 'a service this call depends on is unavailable');
    const late = fromServiceError(transport(status.DEADLINE_EXCEEDED, 'Deadline exceeded after 10.002s,name resolution: 0.001s,Waiting for LB pick'));
    assert.equal(late.message, 'a service this call depends on did not answer in time');
    // Relayed by a service (the inference service calling the registry, say): still stable.
    assert.equal(toServiceError(late).details, 'a service this call depends on did not answer in time');
  });
});

describe('kit: config', () => {
  it('parses typed values with defaults and fails naming the variable', () => {
    assert.equal(envInt({}, 'X', 5), 5);
    assert.equal(envInt({ X: '7' }, 'X', 5), 7);
    assert.throws(() => envInt({ X: 'seven' }, 'X', 5), (e: unknown) => e instanceof ConfigError && e.variable === 'X' && /integer/.test(e.message));
    assert.throws(() => envInt({ X: '0' }, 'X', 5, { min: 1 }), /invalid X: must be >= 1/);
    assert.equal(envBool({ B: 'yes' }, 'B', false), true);
    assert.throws(() => envBool({ B: 'maybe' }, 'B', false), /invalid B/);
    assert.equal(envAddress({}, 'A', '127.0.0.1:0'), '127.0.0.1:0');
    assert.throws(() => envAddress({ A: 'localhost' }, 'A', '127.0.0.1:1'), /invalid A: expected host:port/);
  });

  it('takes an upstream as one host:port or a list of IP address:port pairs (a grpc-js ipv4:/ipv6: target)', () => {
    assert.equal(envUpstream({}, 'U', 'registry:50051'), 'registry:50051');
    assert.equal(envUpstream({ U: '127.0.0.1:1,127.0.0.1:2' }, 'U', 'x:1'), 'ipv4:127.0.0.1:1,127.0.0.1:2');
    assert.equal(envUpstream({ U: '[::1]:1, [::1]:2' }, 'U', 'x:1'), 'ipv6:[::1]:1,[::1]:2');
    assert.throws(() => envUpstream({ U: 'a:1,b:2' }, 'U', 'x:1'), (e: unknown) => e instanceof ConfigError && e.variable === 'U' && /IP address:port/.test(e.message));
    assert.throws(() => envUpstream({ U: 'nope' }, 'U', 'x:1'), /invalid U: expected host:port/);
  });
});
