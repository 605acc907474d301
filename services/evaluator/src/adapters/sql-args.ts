/**
 * A query's positional arguments, collected as its WHERE clause is built:
 * `arg(v)` keeps `v` and answers its placeholder, spelled by the engine
 * (`?` for SQLite, `$n` for PostgreSQL). Shared by the SQLite and PostgreSQL
 * list queries of runs and gate decisions.
 */
export interface SqlArgs {
  readonly args: (string | number)[];
  arg(value: string | number): string;
}

export function createSqlArgs(placeholder: (n: number) => string): SqlArgs {
  const args: (string | number)[] = [];
  return {
    args,
    arg(value) {
      args.push(value);
      return placeholder(args.length);
    },
  };
}
