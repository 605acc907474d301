export { runCli, type CliIo } from './run-cli';
export { COMMANDS } from './commands/index';
export type { Command, CommandContext } from './command';
export { loadCliConfig, ServerError, UsageError, type CliConfig } from './cli-config';
