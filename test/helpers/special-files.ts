// Node has no mkfifo; the coreutils one is on every machine this project runs on.
import { execFileSync } from 'node:child_process';

export function mkfifoSync(path: string): void {
  execFileSync('mkfifo', [path]);
}
