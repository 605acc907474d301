import { Metadata } from '@grpc/grpc-js';

/** Who is calling: the `x-l1g1-actor` header, for audit logs. */
export function actorOf(metadata: Metadata | undefined): string {
  const value = metadata?.get('x-l1g1-actor')[0];
  return typeof value === 'string' && value.length > 0 ? value.slice(0, 200) : 'anonymous';
}

export function metadataWithActor(actor: string | undefined): Metadata {
  const md = new Metadata();
  if (actor) md.set('x-l1g1-actor', actor);
  return md;
}
