// Runs s3rver, a real S3-compatible server, in a process of its own on loopback, so a test can kill
// it (SIGKILL) mid-transfer and start it again on the same directory. Prints {"port"} when ready;
// its log lines (one per stored object or part) follow on stdout.
import S3rver from 's3rver';

const [directory, port = '0', ...buckets] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  silent: false,
  directory,
  vhostBuckets: false,
  configureBuckets: buckets.map((name) => ({ name })),
});
const address = await server.run();
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
