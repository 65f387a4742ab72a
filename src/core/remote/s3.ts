// A remote in an S3 bucket (AWS, or any S3-compatible server through an endpoint) via the official
// SDK, loaded only on this code path. Large blobs go up as parallel multipart parts and become
// visible only when the upload is completed, which happens after every byte was re-hashed.
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { MregError } from '../../errors.js';
import { readBlobVerified, type BlobRef, type ProgressFn } from '../../store/blobs.js';
import type { Layout } from '../../store/layout.js';
import { blobKey, type CreateResult, type Listing, type RemoteBackend } from './backend.js';
import { isTransient, withRetry } from './retry.js';
import type { RemoteConfig } from '../config/remotes.js';

/** S3 allows 5 MiB to 5 GiB per part and at most 10,000 parts. */
const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;
const MAX_LISTING = 200_000;
/** Manifests and history batches are far smaller; a read-back larger than this is someone else's object. */
const MAX_READ_BACK = 64 * 1024 * 1024;
/** Recorded with every blob, so a HEAD can tell a complete mreg upload from a stray object. */
const SHA_META = 'mreg-sha256';

export interface S3Options {
  partSize: number;
  /** parts in flight per blob (each holds one part in memory) */
  partConcurrency: number;
}

export const DEFAULT_S3_OPTIONS: S3Options = { partSize: 8 * 1024 * 1024, partConcurrency: 4 };

/**
 * Region and credentials from the environment mreg was given (not this process's), so a caller
 * that runs mreg with its own environment gets exactly that one. Credentials not in it are left to
 * the SDK's default chain (AWS_PROFILE, shared files, instance roles): they never go into config.yaml.
 */
function clientSettings(remote: RemoteConfig, env: NodeJS.ProcessEnv) {
  // Without a region anywhere (config, AWS_REGION, profile), an S3-compatible server takes any.
  const region = remote.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || (remote.endpoint ? 'us-east-1' : undefined));
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: sessionToken, AWS_PROFILE: profile } = env;
  return {
    ...(region ? { region } : {}),
    ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } } : profile ? { profile } : {}),
  };
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isMissing(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  return statusOf(err) === 404 || name === 'NotFound' || name === 'NoSuchKey';
}

export class S3Remote implements RemoteBackend {
  readonly label: string;
  private readonly client: S3Client;
  private readonly where: string;

  constructor(
    remote: RemoteConfig,
    private readonly bucket: string,
    private readonly prefix: string,
    /** the environment mreg runs with: region and credentials (absent: the SDK's defaults only) */
    env: NodeJS.ProcessEnv = {},
    private readonly options: S3Options = DEFAULT_S3_OPTIONS,
  ) {
    this.label = `${remote.name} (${remote.url})`;
    this.where = remote.endpoint ?? 'S3';
    this.client = new S3Client({
      ...clientSettings(remote, env),
      ...(remote.endpoint ? { endpoint: remote.endpoint, forcePathStyle: true } : {}),
      // S3-compatible servers often cannot read the streaming (aws-chunked) checksums the SDK now
      // sends by default; mreg checks sha256 itself on every pull, so ask only where required there.
      ...(remote.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
      maxAttempts: 3,
      requestHandler: { connectionTimeout: 10_000, requestTimeout: 120_000, httpAgent: { keepAlive: true, maxSockets: 32 }, httpsAgent: { keepAlive: true, maxSockets: 32 } },
    });
  }

  private key(rel: string): string {
    return `${this.prefix}${rel}`;
  }

  /** An SDK failure as an MregError that names the remote and says whether trying again may help. */
  private fail(err: unknown, what: string): MregError {
    if (err instanceof MregError) return err;
    const e = err as { name?: string; message?: string; code?: string };
    const status = statusOf(err);
    const name = e?.name ?? 'Error';
    let reason: string;
    let hint: string | undefined;
    if (name === 'CredentialsProviderError' || /credential/i.test(e?.message ?? '') && !status) {
      reason = 'no AWS credentials found';
      hint = 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE (credentials never go into config.yaml)';
    } else if (name === 'NoSuchBucket') {
      reason = `bucket ${this.bucket} does not exist`;
    } else if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
      reason = `access denied (${name})`;
      hint = 'check the credentials in the environment or profile, and the bucket policy';
    } else if (/region is missing/i.test(e?.message ?? '')) {
      reason = 'no region configured';
      hint = 'mreg remote add NAME URL --region R, or set AWS_REGION';
    } else {
      reason = `${name}${status ? ` (HTTP ${status})` : ''}: ${(e?.message ?? String(err)).split('\n')[0]}`;
    }
    return new MregError('REMOTE', `remote ${this.label}: ${what}: ${reason}`, {
      ...(hint ? { hint } : {}),
      data: { remote: this.label, endpoint: this.where, retryable: isTransient(err) },
      cause: err,
    });
  }

  private async send<T>(what: string, step: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(step);
    } catch (err) {
      throw this.fail(err, what);
    }
  }

  async hasBlob(ref: BlobRef): Promise<boolean> {
    const key = this.key(blobKey(ref.sha256));
    try {
      const head = await withRetry(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return head.ContentLength === ref.size && head.Metadata?.[SHA_META] === ref.sha256;
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.fail(err, `checking blob ${ref.sha256}`);
    }
  }

  async putBlob(layout: Layout, ref: BlobRef, onProgress?: ProgressFn): Promise<void> {
    const key = this.key(blobKey(ref.sha256));
    const partSize = Math.max(this.options.partSize, MIN_PART, Math.ceil(ref.size / MAX_PARTS));
    if (ref.size <= partSize) {
      // One request: the whole blob is read (re-hashed) into memory first, so a retry can resend it.
      await this.send(`uploading blob ${ref.sha256}`, async () => {
        const body = Buffer.allocUnsafe(ref.size);
        await readBlobVerified(layout, ref, (chunk, position) => {
          if (position + chunk.length <= ref.size) chunk.copy(body, position);
        });
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: ref.size, Metadata: { [SHA_META]: ref.sha256 } }),
        );
        onProgress?.(ref.size);
      });
      return;
    }
    await this.multipart(layout, ref, key, partSize, onProgress);
  }

  /**
   * Parallel parts of one multipart upload. A failed attempt is resumed within this process: the
   * blob is read (and re-hashed) again, but parts the server already acknowledged are not resent.
   * An upload that fails for good is aborted; its parts were never visible under the key.
   */
  private async multipart(layout: Layout, ref: BlobRef, key: string, partSize: number, onProgress?: ProgressFn): Promise<void> {
    const what = `uploading blob ${ref.sha256}`;
    const created = await this.send(what, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key, Metadata: { [SHA_META]: ref.sha256 } })),
    );
    const uploadId = created.UploadId;
    if (!uploadId) throw new MregError('REMOTE', `remote ${this.label}: the server started a multipart upload without an id`);
    const done = new Map<number, { etag: string; length: number }>();
    try {
      await this.send(what, () => this.sendParts(layout, ref, key, uploadId, partSize, done, onProgress));
      const parts: CompletedPart[] = [...done.entries()].sort((a, b) => a[0] - b[0]).map(([PartNumber, p]) => ({ PartNumber, ETag: p.etag }));
      await this.send(what, () =>
        this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } })),
      );
    } catch (err) {
      // Best effort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes what this cannot reach.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      throw err;
    }
  }

  private async sendParts(
    layout: Layout,
    ref: BlobRef,
    key: string,
    uploadId: string,
    partSize: number,
    done: Map<number, { etag: string; length: number }>,
    onProgress?: ProgressFn,
  ): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const spare: Buffer[] = [];
    let failure: unknown;
    let acknowledged = [...done.values()].reduce((sum, p) => sum + p.length, 0);

    const uploadPart = async (buffer: Buffer, length: number, partNumber: number) => {
      try {
        const result = await this.client.send(
          new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: buffer.subarray(0, length), ContentLength: length }),
        );
        if (!result.ETag) throw new MregError('REMOTE', `remote ${this.label}: part ${partNumber} of blob ${ref.sha256} was stored without an ETag`);
        done.set(partNumber, { etag: result.ETag, length });
        acknowledged += length;
        onProgress?.(acknowledged);
      } catch (err) {
        failure ??= err;
      } finally {
        spare.push(buffer);
      }
    };

    const dispatch = async (buffer: Buffer, length: number, partNumber: number): Promise<Buffer> => {
      if (done.get(partNumber)?.length === length) return buffer; // acknowledged by an earlier attempt
      const task = uploadPart(buffer, length, partNumber).finally(() => inFlight.delete(task));
      inFlight.add(task);
      while (inFlight.size >= this.options.partConcurrency) await Promise.race(inFlight);
      if (failure) throw failure;
      return spare.pop() ?? Buffer.allocUnsafe(partSize);
    };

    try {
      let buffer: Buffer = Buffer.allocUnsafe(partSize);
      let filled = 0;
      let partNumber = 0;
      await readBlobVerified(layout, ref, async (chunk) => {
        for (let offset = 0; offset < chunk.length; ) {
          const n = chunk.copy(buffer, filled, offset);
          filled += n;
          offset += n;
          if (filled === partSize) {
            buffer = await dispatch(buffer, filled, ++partNumber);
            filled = 0;
          }
        }
      });
      // readBlobVerified returned: every byte matched the blob's sha256. The caller completes the
      // upload only after this, so a damaged local blob never becomes visible.
      if (filled > 0) await dispatch(buffer, filled, ++partNumber);
      await Promise.all(inFlight);
      if (failure) throw failure;
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  async openBlob(ref: BlobRef): Promise<AsyncIterable<Uint8Array>> {
    try {
      const got = await withRetry(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(blobKey(ref.sha256)) })));
      if (got.ContentLength !== undefined && got.ContentLength !== ref.size) {
        (got.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new MregError('CORRUPT_BLOB', `blob ${ref.sha256} on remote ${this.label} is corrupt: it has ${got.ContentLength} bytes, expected ${ref.size}`, {
          data: { sha256: ref.sha256 },
        });
      }
      if (!got.Body) throw new MregError('REMOTE', `remote ${this.label}: blob ${ref.sha256} came without a body`);
      return got.Body as AsyncIterable<Uint8Array>;
    } catch (err) {
      if (isMissing(err)) throw new MregError('NOT_FOUND', `blob ${ref.sha256} is not on remote ${this.label}`, { data: { sha256: ref.sha256 } });
      throw this.fail(err, `downloading blob ${ref.sha256}`);
    }
  }

  async list(prefix: string): Promise<Listing> {
    const out: Listing = { files: [], dirs: [] };
    const full = this.key(prefix);
    let token: string | undefined;
    do {
      const page = await this.send(`listing ${prefix}`, () =>
        this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, Delimiter: '/', ...(token ? { ContinuationToken: token } : {}) })),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key?.startsWith(full)) out.files.push({ name: object.Key.slice(full.length), size: object.Size ?? 0 });
      }
      for (const common of page.CommonPrefixes ?? []) {
        if (common.Prefix?.startsWith(full) && common.Prefix.endsWith('/')) out.dirs.push(common.Prefix.slice(full.length, -1));
      }
      if (out.files.length + out.dirs.length > MAX_LISTING) throw new MregError('REMOTE', `remote ${this.label}: ${prefix} holds more than ${MAX_LISTING} entries`);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  async getText(key: string, maxBytes: number): Promise<string | undefined> {
    try {
      return await withRetry(async () => {
        const got = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(key) }));
        if ((got.ContentLength ?? 0) > maxBytes) {
          (got.Body as { destroy?: () => void } | undefined)?.destroy?.();
          throw new MregError('REMOTE', `remote ${this.label}: ${key} is larger than ${maxBytes} bytes`);
        }
        const chunks: Buffer[] = [];
        let total = 0;
        for await (const chunk of (got.Body ?? []) as AsyncIterable<Uint8Array>) {
          total += chunk.length;
          if (total > maxBytes) throw new MregError('REMOTE', `remote ${this.label}: ${key} is larger than ${maxBytes} bytes`);
          chunks.push(Buffer.from(chunk));
        }
        return Buffer.concat(chunks).toString('utf8');
      });
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.fail(err, `reading ${key}`);
    }
  }

  /**
   * Create-only: the PUT carries If-None-Match: *, which AWS S3 (and MinIO, R2, ...) honour with 412
   * when the key exists. Servers that ignore it get check-then-write: a HEAD first, and a read-back
   * afterwards that reports 'exists' if another writer's content is what the key now holds.
   */
  async createOnly(key: string, text: string): Promise<CreateResult> {
    const full = this.key(key);
    if (await this.exists(key)) return 'exists';
    try {
      await withRetry(async (attempt) => {
        if (attempt > 1 && (await this.exists(key))) return; // the reply to a write was lost: judged below
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: full, Body: text, IfNoneMatch: '*', ContentType: 'text/plain; charset=utf-8' }));
      });
    } catch (err) {
      if (statusOf(err) === 412 || (err as { name?: string })?.name === 'PreconditionFailed') return 'exists';
      throw this.fail(err, `writing ${key}`);
    }
    // Read back: on a server that ignores If-None-Match, another writer's bytes may be there now.
    const after = await this.getText(key, MAX_READ_BACK);
    return after === text ? 'created' : 'exists';
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await withRetry(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(key) })));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw this.fail(err, `checking ${key}`);
    }
  }

  close(): void {
    this.client.destroy();
  }
}
