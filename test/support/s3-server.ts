import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface TestS3Server {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  directory: string;
  stop(): Promise<void>;
}

/**
 * s3rver 3.7 on 127.0.0.1 and a random port, storing in a temp folder, with one bucket. It knows one key pair
 * (S3RVER/S3RVER): an unknown access key id is a real 403 (InvalidAccessKeyId), but SigV4 signatures are not
 * verified, so a wrong *secret* passes. A missing bucket and an unreachable host are real failures. It does
 * not implement suffix ranges or `bytes=0-0` (the adapter resolves ranges against HEAD and trims the stream).
 */
export async function startS3Server(bucket = 'vertex-test'): Promise<TestS3Server> {
  const directory = mkdtempSync(join(tmpdir(), 'vertex-ar-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    region: 'us-east-1',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    directory,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
