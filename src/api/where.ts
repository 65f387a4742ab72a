// Where a use case runs: the directory it starts from, the store it uses, and the environment.
export interface Where {
  /** the directory commands run from: the store is found by walking up from it */
  cwd: string;
  /** the store directory (as --store or MREG_STORE); default: the nearest .modelreg upwards */
  store?: string | undefined;
  /** the process environment, for git, child processes and the actor's default (absent: empty) */
  env?: NodeJS.ProcessEnv;
}
