// A real S3-compatible server (s3rver) for the remote tests, run as a child process on loopback, and
// a TCP proxy in front of it that counts bytes and can drop connections or kill the server mid-transfer.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';

const LAUNCHER = resolve(import.meta.dirname, 's3rver-process.mjs');

/** Fake credentials for s3rver (its defaults), and no AWS config from the machine running the tests. */
export function s3Env(): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    CI: '1',
  };
}

export interface S3Server {
  port: number;
  endpoint: string;
  /** what the server logged ("Stored part 3 of ...") since it started */
  log: string[];
  /** SIGKILL, as a crash would */
  kill(): Promise<void>;
}

export async function startS3(directory: string, bucket: string, port = 0): Promise<S3Server> {
  const child: ChildProcess = spawn(process.execPath, [LAUNCHER, directory, String(port), bucket], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  let buffered = '';
  const ready = new Promise<number>((resolvePort, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        if (line.startsWith('{"port"')) resolvePort((JSON.parse(line) as { port: number }).port);
        else log.push(line);
      }
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}) before it was ready: ${stderr}`)));
  });
  const actual = await ready;
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    port: actual,
    endpoint: `http://127.0.0.1:${actual}`,
    log,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** s3rver keeps an object's bytes in <dir>/<bucket>/<key>._S3rver_object. */
export function s3ObjectPath(directory: string, bucket: string, key: string): string {
  return join(directory, bucket, `${key}._S3rver_object`);
}

/** Every object key s3rver holds under a prefix (from its directory, without asking it). */
export function s3Keys(directory: string, bucket: string, prefix: string): string[] {
  const base = join(directory, bucket, prefix);
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${rel}${name}/`);
      else if (name.endsWith('._S3rver_object')) out.push(`${rel}${name.slice(0, -'._S3rver_object'.length)}`);
    }
  };
  walk(base, '');
  return out.sort();
}

export interface Proxy {
  port: number;
  endpoint: string;
  /** where connections go from now on */
  target: number;
  /** bytes forwarded so far, each way */
  up: number;
  down: number;
  /** called as bytes go up (client to server), with the running total */
  onUp?: (total: number) => void;
  /** drops the connection that carries the byte past this many (each way), once */
  dropUpAfter?: number;
  dropDownAfter?: number;
  dropped: number;
  close(): Promise<void>;
}

/** A loopback TCP proxy to `target`: counts bytes and drops connections when told to. */
export async function startProxy(target: number): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const proxy: Proxy = {
    port: 0,
    endpoint: '',
    target,
    up: 0,
    down: 0,
    dropped: 0,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = connect(proxy.target, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      proxy.dropped++;
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      proxy.up += chunk.length;
      proxy.onUp?.(proxy.up);
      if (proxy.dropUpAfter !== undefined && proxy.up > proxy.dropUpAfter) {
        proxy.dropUpAfter = undefined;
        drop();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      proxy.down += chunk.length;
      if (proxy.dropDownAfter !== undefined && proxy.down > proxy.dropDownAfter) {
        proxy.dropDownAfter = undefined;
        drop();
        return;
      }
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  proxy.port = (server.address() as { port: number }).port;
  proxy.endpoint = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}
