import { Metadata } from '@grpc/grpc-js';

/**
 * Who is calling, for audit logs: the `x-l1g1-actor` metadata, which the
 * server's auth check (`withGrpcAuth`) overwrites with the authenticated
 * principal's name before any handler runs. A client's own value is never
 * what this returns on a server with auth.
 */
export function actorOf(metadata: Metadata | undefined): string {
  const value = metadata?.get('x-l1g1-actor')[0];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 200) : 'anonymous';
}

/**
 * @deprecated Servers no longer believe a client's `x-l1g1-actor`: the actor
 * is the API key's name. Use an API key (`createGrpcClient(..., { identity })`)
 * or, between our services, `forwardedPrincipalMetadata`.
 */
export function metadataWithActor(actor: string | undefined): Metadata {
  const md = new Metadata();
  if (actor) md.set('x-l1g1-actor', actor);
  return md;
}
