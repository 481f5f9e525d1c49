// Source builds off Debian: ONNX Runtime's headers from its release archive, checked against a pinned SHA-256
// before anything is unpacked. Served here by a local HTTP server on 127.0.0.1 from a tarball made of the
// headers this checkout builds with (address and digest passed in: the pinned ones are for the real archive).
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const headers = require('../../scripts/build/ort-headers') as {
  ORT_RELEASE: { version: string; urlBase: string; archives: Record<string, { file: string; sha256: string }> };
  HEADER: string;
  findHeaders(o: { destRoot: string; env?: NodeJS.ProcessEnv }): string | null;
  downloadReleaseHeaders(destRoot: string, o: { cpu?: string; urlBase?: string; sha256?: string }): Promise<string>;
  ensureHeaders(o: { destRoot: string; env?: NodeJS.ProcessEnv; release?: { urlBase?: string; sha256?: string }; debian?: boolean }): Promise<string>;
};

const repoRoot = path.join(__dirname, '..', '..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-ort-headers-'));
const archive = headers.ORT_RELEASE.archives.x64!;
let server: http.Server;
let urlBase: string;
let closedUrlBase: string;
let digest: string;
let sourceHeader: Buffer;

beforeAll(async () => {
  const include = headers.findHeaders({ destRoot: path.join(repoRoot, 'deps') });
  if (!include) throw new Error('no ONNX Runtime headers in this checkout to make the test archive from (npm install fetches them)');
  sourceHeader = fs.readFileSync(path.join(include, headers.HEADER));
  const top = path.join(work, 'src', archive.file.replace(/\.tgz$/, ''));
  fs.mkdirSync(top, { recursive: true });
  fs.cpSync(include, path.join(top, 'include'), { recursive: true });
  fs.mkdirSync(path.join(top, 'lib'));
  fs.writeFileSync(path.join(top, 'lib', 'libonnxruntime.so.1'), 'not unpacked');
  const tarball = path.join(work, archive.file);
  execFileSync('tar', ['-czf', tarball, '-C', path.join(work, 'src'), path.basename(top)]);
  const bytes = fs.readFileSync(tarball);
  digest = crypto.createHash('sha256').update(bytes).digest('hex');
  server = http.createServer((req, res) => {
    if (req.url === `/release/${archive.file}`) res.end(bytes);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  urlBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/release/`;
  // A port nothing listens on: taken, then released.
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedUrlBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/release/`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(work, { recursive: true, force: true });
});

const freshDest = (): string => fs.mkdtempSync(path.join(work, 'deps-'));

describe("ONNX Runtime's headers from its release archive", () => {
  it('pins ONNX Runtime 1.30.0 (the version of onnxruntime-node the platform packages ship) for x64 and arm64', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(headers.ORT_RELEASE.version).toBe(pkg.devDependencies['onnxruntime-node']);
    expect(Object.keys(headers.ORT_RELEASE.archives).sort()).toEqual(['arm64', 'x64']);
    for (const a of Object.values(headers.ORT_RELEASE.archives)) {
      expect(a.file).toContain(headers.ORT_RELEASE.version);
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(headers.ORT_RELEASE.urlBase).toBe(`https://github.com/microsoft/onnxruntime/releases/download/v${headers.ORT_RELEASE.version}/`);
  });

  it('downloads, checks the digest and keeps include/', async () => {
    const dest = freshDest();
    const include = await headers.downloadReleaseHeaders(dest, { cpu: 'x64', urlBase, sha256: digest });
    expect(include).toBe(path.join(dest, 'onnxruntime', 'include'));
    expect(fs.readFileSync(path.join(include, headers.HEADER)).equals(sourceHeader)).toBe(true);
    expect(fs.existsSync(path.join(dest, 'onnxruntime', 'lib'))).toBe(false);
    expect(fs.readFileSync(path.join(dest, 'onnxruntime', 'SOURCE'), 'utf8')).toContain(`${urlBase}${archive.file} (sha256 ${digest})`);
    // The next lookup finds them in deps/ without a download.
    expect(headers.findHeaders({ destRoot: dest, env: {} })).toBe(include);
  });

  it('a digest other than the pinned one: refused, nothing unpacked', async () => {
    const dest = freshDest();
    const wrong = digest.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await expect(headers.downloadReleaseHeaders(dest, { cpu: 'x64', urlBase, sha256: wrong })).rejects.toThrow(`SHA-256 ${digest} is not the pinned ${wrong}; nothing was unpacked`);
    expect(fs.existsSync(path.join(dest, 'onnxruntime'))).toBe(false);
  });

  it('the pinned digest is what the real archive is checked against', async () => {
    await expect(headers.downloadReleaseHeaders(freshDest(), { cpu: 'x64', urlBase })).rejects.toThrow(`is not the pinned ${archive.sha256}`);
  });

  it('unreachable, or not there: says so', async () => {
    await expect(headers.downloadReleaseHeaders(freshDest(), { cpu: 'x64', urlBase: closedUrlBase, sha256: digest })).rejects.toThrow(`cannot download ${closedUrlBase}${archive.file}`);
    await expect(headers.downloadReleaseHeaders(freshDest(), { cpu: 'arm64', urlBase, sha256: digest })).rejects.toThrow('HTTP 404');
    await expect(headers.downloadReleaseHeaders(freshDest(), { cpu: 'ia32', urlBase, sha256: digest })).rejects.toThrow('no Linux release archive for ia32');
  });

  it('when every step fails, the error lists them and says exactly what to set', async () => {
    const dest = freshDest();
    const attempt = headers.ensureHeaders({ destRoot: dest, env: {}, debian: false, release: { urlBase: closedUrlBase, sha256: digest } });
    await expect(attempt).rejects.toThrow(/were not found:\n {2}- ONNXRUNTIME_INCLUDE_DIR \(not set\)[\s\S]*not a Debian machine[\s\S]*cannot download[\s\S]*Set ONNXRUNTIME_INCLUDE_DIR to a folder holding onnxruntime_c_api\.h/);
  });

  it('ensureHeaders falls through to the release archive when nothing is on the machine', async () => {
    const dest = freshDest();
    const include = await headers.ensureHeaders({ destRoot: dest, env: {}, debian: false, release: { urlBase, sha256: digest } });
    expect(fs.readFileSync(path.join(include, headers.HEADER)).equals(sourceHeader)).toBe(true);
  });

  it('a set ONNXRUNTIME_INCLUDE_DIR without the header is an error, not skipped', async () => {
    await expect(headers.ensureHeaders({ destRoot: freshDest(), env: { ONNXRUNTIME_INCLUDE_DIR: work }, debian: false })).rejects.toThrow(`ONNXRUNTIME_INCLUDE_DIR=${work} has no onnxruntime_c_api.h`);
  });
});
