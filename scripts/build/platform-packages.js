#!/usr/bin/env node
'use strict';
// Stages and packs the platform packages (@dynamic-ofa/linux-x64, @dynamic-ofa/linux-arm64): the addon built in
// the bullseye root plus the libonnxruntime.so.1 of the pinned onnxruntime-node release, with ONNX Runtime's
// license and third-party notices. Prints packed and unpacked sizes.
// Usage: node scripts/build/platform-packages.js [x64] [arm64] [--release]
//   --release: refuse to pack without ONNX Runtime's LICENSE and ThirdPartyNotices.txt (ONNXRUNTIME_NOTICES_DIR).
const fs = require('node:fs');
const path = require('node:path');

const { buildPlatformAddons } = require('./platform-addon');
const {
  ADDON_FILE, BUILD_SUITE_GLIBC, ORT_LIBRARY_FILE, PLATFORMS, SYMBOL_FLOORS,
  mainPackage, onnxRuntimeNode, platformPackageName, platformPackagesDir,
} = require('./platforms');
const { run } = require('./tools');

const NOTICE_FILES = ['LICENSE', 'ThirdPartyNotices.txt'];
const MiB = 2 ** 20;

/**
 * ONNX Runtime's LICENSE and ThirdPartyNotices.txt: from ONNXRUNTIME_NOTICES_DIR (the release archive of the
 * same version, unpacked), else from onnxruntime-node when it ships them; null when neither has them.
 */
function onnxRuntimeNoticesDir(ortDir) {
  for (const dir of [process.env.ONNXRUNTIME_NOTICES_DIR, ortDir].filter(Boolean)) {
    if (NOTICE_FILES.every((f) => fs.existsSync(path.join(dir, f)))) return dir;
  }
  if (process.env.ONNXRUNTIME_NOTICES_DIR) {
    throw new Error(`ONNXRUNTIME_NOTICES_DIR=${process.env.ONNXRUNTIME_NOTICES_DIR} lacks ${NOTICE_FILES.join(' or ')}`);
  }
  return null;
}

function packageJson(cpu, ortVersion) {
  return {
    name: platformPackageName(cpu),
    version: mainPackage.version,
    description: `${mainPackage.name}'s native addon with ONNX Runtime ${ortVersion} (CPU) for Linux ${cpu}, glibc >= ${SYMBOL_FLOORS.GLIBC}`,
    license: 'MIT',
    ...(mainPackage.repository ? { repository: mainPackage.repository } : {}),
    os: ['linux'],
    cpu: [cpu],
    libc: ['glibc'],
    engines: mainPackage.engines,
    files: [ADDON_FILE, ORT_LIBRARY_FILE, 'onnxruntime/'],
    // Yarn PnP: native files must sit on disk.
    preferUnplugged: true,
    // What the loader in the main package reads.
    dynamicOfa: { addon: ADDON_FILE, onnxruntimeLibrary: ORT_LIBRARY_FILE, onnxruntimeVersion: ortVersion, glibc: SYMBOL_FLOORS.GLIBC },
  };
}

function readme(cpu, ortVersion, withNotices) {
  return [
    `# ${platformPackageName(cpu)}`,
    '',
    `The Linux ${cpu} binaries of the npm package \`${mainPackage.name}\`: its Node-API addon`,
    `(\`${ADDON_FILE}\`, built against glibc ${BUILD_SUITE_GLIBC} headers and libraries; needs glibc >= ${SYMBOL_FLOORS.GLIBC}) and`,
    `ONNX Runtime ${ortVersion} (\`${ORT_LIBRARY_FILE}\`, CPU, from the onnxruntime-node release of that version).`,
    `Installed automatically as an optional dependency of ${mainPackage.name}; not meant to be used on its own.`,
    '',
    withNotices
      ? 'ONNX Runtime is MIT-licensed (Microsoft); its license and third-party notices are in `onnxruntime/`.'
      : 'ONNX Runtime is MIT-licensed (Microsoft). THIS BUILD LACKS its LICENSE and ThirdPartyNotices.txt: not for publishing.',
    '',
  ].join('\n');
}

/** The notices folder; throws for a release without one. */
function noticesFor(ort, release) {
  const dir = onnxRuntimeNoticesDir(ort.dir);
  if (!dir && release) {
    throw new Error(
      `onnxruntime-node ${ort.version} ships no ${NOTICE_FILES.join(' / ')}; set ONNXRUNTIME_NOTICES_DIR to a folder with ` +
        `ONNX Runtime ${ort.version}'s (its release archive holds both)`,
    );
  }
  return dir;
}

/** Writes platform-packages/linux-<cpu>/ from the built addon; returns its folder. */
function stagePlatformPackage(cpu, addon, { release = false, log = console.log } = {}) {
  const ort = onnxRuntimeNode(cpu);
  const noticesDir = noticesFor(ort, release);
  if (!noticesDir) log(`warning: ONNX Runtime's ${NOTICE_FILES.join(' and ')} not found (set ONNXRUNTIME_NOTICES_DIR); staging without them`);
  const dir = platformPackagesDir(`linux-${cpu}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'onnxruntime'), { recursive: true });
  fs.copyFileSync(addon, path.join(dir, ADDON_FILE));
  fs.copyFileSync(ort.library, path.join(dir, ORT_LIBRARY_FILE));
  for (const f of noticesDir ? NOTICE_FILES : []) fs.copyFileSync(path.join(noticesDir, f), path.join(dir, 'onnxruntime', f));
  fs.writeFileSync(path.join(dir, 'onnxruntime', 'VERSION'), `${ort.version}\n`);
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(packageJson(cpu, ort.version), null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'README.md'), readme(cpu, ort.version, Boolean(noticesDir)));
  return dir;
}

/** npm pack of a staged folder into platform-packages/; returns { tarball, size, unpackedSize, files }. */
function packPlatformPackage(dir) {
  const out = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', path.dirname(dir)], { cwd: dir }));
  const [info] = out;
  return { tarball: path.join(path.dirname(dir), info.filename), size: info.size, unpackedSize: info.unpackedSize, files: info.files.map((f) => f.path) };
}

/** Builds, stages and packs every requested platform; returns { cpu: packInfo }. */
function makePlatformPackages(cpus = Object.keys(PLATFORMS), options = {}) {
  for (const cpu of cpus) noticesFor(onnxRuntimeNode(cpu), options.release);
  const addons = buildPlatformAddons(cpus, options);
  const packed = {};
  for (const cpu of cpus) packed[cpu] = packPlatformPackage(stagePlatformPackage(cpu, addons[cpu], options));
  return packed;
}

function formatSizes(cpu, info) {
  return `${platformPackageName(cpu)}: ${(info.size / MiB).toFixed(1)} MiB packed, ${(info.unpackedSize / MiB).toFixed(1)} MiB unpacked (${path.basename(info.tarball)})`;
}

module.exports = { makePlatformPackages, stagePlatformPackage, packPlatformPackage, formatSizes };

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    const cpus = args.filter((a) => !a.startsWith('--'));
    const packed = makePlatformPackages(cpus.length > 0 ? cpus : undefined, { release: args.includes('--release') });
    for (const [cpu, info] of Object.entries(packed)) console.log(formatSizes(cpu, info));
  } catch (error) {
    console.error(`platform-packages: ${error.message}`);
    process.exit(1);
  }
}
