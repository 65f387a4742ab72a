// The baselines for mreg push and pull: the same file moved with the AWS SDK alone, in a process of
// its own as mreg runs in one. put: one PutObject of a file stream; upload: @aws-sdk/lib-storage's
// Upload (parallel multipart, as the SDK recommends for large files); get: GetObject to a file.
// Usage: node bench/s3-baseline.mjs put|upload|get ENDPOINT BUCKET KEY FILE
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

const [mode, endpoint, Bucket, Key, file] = process.argv.slice(2);
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
if (mode === 'put') {
  await client.send(new PutObjectCommand({ Bucket, Key, Body: createReadStream(file), ContentLength: statSync(file).size }));
} else if (mode === 'upload') {
  await new Upload({ client, params: { Bucket, Key, Body: createReadStream(file) }, partSize: 8 * 1024 * 1024, queueSize: 4 }).done();
} else if (mode === 'get') {
  const got = await client.send(new GetObjectCommand({ Bucket, Key }));
  await pipeline(got.Body, createWriteStream(file));
} else {
  throw new Error(`unknown mode ${mode}`);
}
client.destroy();
