import { loadCliConfig, ServerError, UsageError } from './cli-config';
import type { Command } from './command';
import { COMMANDS } from './commands/index';
import { createGatewayClient } from './gateway-client';

export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
}

function help(commands: readonly Command[]): string {
  return `usage: l1g1 <command> [options]\n\n${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}\n    ${c.usage}`).join('\n')}\n\nL1G1_GATEWAY_URL (default http://127.0.0.1:8080), L1G1_API_KEY\nexit codes: 0 ok, 1 the server said no, 2 usage\n`;
}

/** Runs one command line; resolves with the exit code (0 ok, 1 the server said no, 2 usage). */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const config = loadCliConfig(io.env);
    return await command.run(args, { config, client: createGatewayClient(config), stdout: io.stdout, stderr: io.stderr });
  } catch (err) {
    if (err instanceof ServerError) {
      io.stderr.write(`l1g1: ${err.message}\n`);
      return 1;
    }
    // parseArgs reports unknown or malformed flags with ERR_PARSE_ARGS_* codes: a usage mistake.
    const code = (err as { code?: unknown }).code;
    if (err instanceof UsageError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
      io.stderr.write(`l1g1: ${(err as Error).message}\n${command ? `usage: ${command.usage}\n` : help(commands)}`);
      return 2;
    }
    io.stderr.write(`l1g1: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
