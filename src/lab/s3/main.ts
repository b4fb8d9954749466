// The lab's S3 server as its own process: s3rver (a dev dependency; the product never imports
// src/lab) on loopback, storing in the lab's folder. Access key and secret are s3rver's fixed
// S3RVER/S3RVER; an unknown access key is refused, but s3rver checks SigV4 signatures only in
// part, so the lab's S3 is no test of request signing.
import fs from 'node:fs';
import S3rver from 's3rver';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  if (!value) {
    console.error(`lab s3: --${name} is missing`);
    process.exit(2);
  }
  return value;
}

const port = Number(arg('port'));
const directory = arg('dir');
const buckets = arg('buckets').split(',').filter(Boolean);
fs.mkdirSync(directory, { recursive: true });
const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: buckets.map((name) => ({ name, configs: [] })) });
await server.run();
console.log(`lab s3: listening on http://127.0.0.1:${port} (buckets: ${buckets.join(', ')})`);
const stop = () => void server.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
