import type { CliConfig } from './cli-config';
import type { GatewayClient } from './gateway-client';

/** What every command gets: its dependencies, passed in (tests give their own streams). */
export interface CommandContext {
  config: CliConfig;
  client: GatewayClient;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

/** One verb of `l1g1`; later issues add theirs to commands/index.ts. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Resolves with the exit code (0 ok); throws UsageError (2) or ServerError (1). */
  run(args: string[], ctx: CommandContext): Promise<number>;
}
