'use strict';
// What the platform packages carry for the ONNX Runtime library they ship (onnxruntime-node's npm package has no
// LICENSE or ThirdPartyNotices.txt):
//   - LICENSE-onnxruntime.txt: ONNX Runtime's MIT license (notices/, the standard MIT text with its copyright line);
//   - third-party notices: ONNX Runtime's own ThirdPartyNotices.txt from ONNXRUNTIME_NOTICES_DIR (the release
//     archive of the same version holds it), else Debian's machine-readable copyright file of its onnxruntime
//     package (fetched at pack time; it records the licenses of ONNX Runtime's third-party code for an older
//     release than the one shipped).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { extractDeb, hostDebianArchitecture, privateApt } = require('./debian-archive');
const { DEBIAN_HEADERS } = require('./ort-headers');
const { cacheDir } = require('./platforms');

const LICENSE = { file: 'LICENSE-onnxruntime.txt', source: path.join(__dirname, 'notices', 'LICENSE-onnxruntime.txt') };
const OWN_NOTICES = 'ThirdPartyNotices.txt';

/** Debian's copyright file of libonnxruntime-dev, fetched once into the cache: { file, debName } or throws. */
function debianCopyright() {
  const dir = cacheDir('onnxruntime-notices');
  const done = path.join(dir, 'debian-copyright.json');
  if (fs.existsSync(done)) return JSON.parse(fs.readFileSync(done, 'utf8'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dofa-ort-notices-'));
  try {
    const apt = privateApt({ work, suite: DEBIAN_HEADERS.suite, architecture: hostDebianArchitecture() });
    const [deb] = apt.download([DEBIAN_HEADERS.package], path.join(work, 'download'));
    extractDeb(deb, path.join(work, 'unpacked'));
    const copyright = path.join(work, 'unpacked', 'usr', 'share', 'doc', DEBIAN_HEADERS.package, 'copyright');
    if (!fs.existsSync(copyright)) throw new Error(`${path.basename(deb)} has no copyright file`);
    fs.mkdirSync(dir, { recursive: true });
    const record = { file: path.join(dir, 'debian-copyright-onnxruntime.txt'), debName: path.basename(deb), suite: DEBIAN_HEADERS.suite };
    fs.copyFileSync(copyright, record.file);
    fs.writeFileSync(done, JSON.stringify(record));
    return record;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The notices for a platform package of ONNX Runtime `ortVersion`:
 * { license, notices: { file, packagedAs, describe } | null, warnings, problem? }. Never throws; `problem` says why
 * there are no third-party notices.
 */
function onnxRuntimeNotices(ortVersion, env = process.env) {
  const license = { file: LICENSE.source, packagedAs: LICENSE.file };
  const dir = env.ONNXRUNTIME_NOTICES_DIR;
  const warnings = [];
  if (dir && !fs.existsSync(path.join(dir, OWN_NOTICES))) warnings.push(`ONNXRUNTIME_NOTICES_DIR=${dir} has no ${OWN_NOTICES}; using Debian's copyright file`);
  else if (dir) {
    const own = path.join(dir, OWN_NOTICES);
    return {
      license,
      warnings,
      notices: {
        file: own,
        packagedAs: `${OWN_NOTICES.replace('.txt', '')}-onnxruntime.txt`,
        describe: `ONNX Runtime's own ${OWN_NOTICES} (taken from ONNXRUNTIME_NOTICES_DIR, which should hold ONNX Runtime ${ortVersion}'s)`,
      },
    };
  }
  try {
    const debian = debianCopyright();
    return {
      license,
      warnings,
      notices: {
        file: debian.file,
        packagedAs: 'debian-copyright-onnxruntime.txt',
        describe: `Debian's machine-readable copyright file of its onnxruntime package (${debian.debName}, Debian ${debian.suite}), ` +
          'used because ONNX Runtime\'s own ThirdPartyNotices.txt was not available when this package was made. It records ' +
          'the licenses of ONNX Runtime\'s source files as Debian found them in that older release. The gap: it does not ' +
          'list the third-party libraries Microsoft\'s build links into libonnxruntime.so.1 (Debian builds against its own ' +
          `packages of them, e.g. protobuf, abseil, ONNX, flatbuffers, Eigen), nor code added to ONNX Runtime after that release; ` +
          `ONNX Runtime ${ortVersion}'s ThirdPartyNotices.txt lists them`,
      },
    };
  } catch (error) {
    return { license, warnings, notices: null, problem: `no ${OWN_NOTICES} (ONNXRUNTIME_NOTICES_DIR) and Debian's copyright file could not be fetched (${error.message.split('\n')[0]})` };
  }
}

module.exports = { onnxRuntimeNotices };
