import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginAs, makeCompany, type SignedIn } from './support/factories';
import { createTestApp, type TestApp } from './support/test-app';

/**
 * UPLOAD_RATE_LIMIT (per user) is a guard: it answers 429 before the handler reads a byte of the body, so an
 * over-limit client cannot make the server take in a large upload.
 */
describe('upload rate limit (UPLOAD_RATE_LIMIT=2/minute)', () => {
  let t: TestApp;
  let manager: SignedIn;
  let other: SignedIn;
  let companyId: string;
  let port: number;

  beforeAll(async () => {
    t = await createTestApp({ env: { UPLOAD_RATE_LIMIT: '2/minute' } });
    companyId = (await makeCompany(t)).id;
    manager = await loginAs(t, 'manager', companyId);
    other = await loginAs(t, 'manager', companyId);
    const server = t.app.getHttpServer() as Server;
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  /** Starts a 50 MB upload, sends only its first 64 KiB, and resolves with the answer (if one comes). */
  function startLargeUpload(user: SignedIn): Promise<{ status: number; body: string; elapsedMs: number; bytesSent: number }> {
    const boundary = 'vertex-rate-limit-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="clientName"\r\n\r\nAnna\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const declared = 50 * 1024 * 1024;
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: `/api/v1/companies/${companyId}/orders`,
          headers: { ...user.auth, 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': declared },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              elapsedMs: Date.now() - started,
              bytesSent: sent,
            });
            req.destroy();
          });
        },
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error),
      );
      let sent = 0;
      req.write(head);
      sent += head.length;
      req.write(Buffer.alloc(64 * 1024, 0xff));
      sent += 64 * 1024;
      setTimeout(() => req.destroy(), 5_000).unref();
    });
  }

  it('answers the third upload of a user within the window with 429 before its body is sent; other users are unaffected', async () => {
    // Two uploads spend the budget (they are refused for their content, which still counts as an upload).
    for (let i = 0; i < 2; i++) {
      const response = await t.http
        .post(`/api/v1/companies/${companyId}/orders`)
        .set(manager.auth)
        .field('clientName', 'Anna')
        .attach('image', Buffer.from('<html>not an image</html>'), { filename: 'a.jpg', contentType: 'image/jpeg' });
      expect(response.status).not.toBe(429);
    }
    const limited = await startLargeUpload(manager);
    expect(limited.status).toBe(429);
    expect(JSON.parse(limited.body)).toMatchObject({ statusCode: 429, error: 'RATE_LIMITED' });
    // The answer came while the client had sent 64 KiB of a declared 50 MB body.
    expect(limited.bytesSent).toBeLessThan(100 * 1024);
    expect(limited.elapsedMs).toBeLessThan(3_000);

    const fresh = await startLargeUpload(other);
    expect(fresh.status).not.toBe(429);
  });
});
