#!/usr/bin/env node
'use strict';
// Stages and packs the platform packages (package.json's dynamicOfa.platformPackages: linux-x64, linux-arm64): the
// prebuilds/ tree prebuildify made in the bullseye root (platform-addon.js), the libonnxruntime.so.1 of the pinned onnxruntime-node release with ONNX
// Runtime's license and third-party notices (onnxruntime-notices.js), and for arm64 every TensorRT variant in
// tensorrt-prebuilt/. Then packs the main package for release (main-package.js). Prints the sizes and the
// order to publish in. Needs root (the build root is made by mmdebstrap and used through chroot).
// Usage: node scripts/build/platform-packages.js [x64] [arm64] [--release]
//   --release: refuse to pack without third-party notices for ONNX Runtime.
const fs = require('node:fs');
const path = require('node:path');

const { npmPack, packMainRelease } = require('./main-package');
const { onnxRuntimeNotices } = require('./onnxruntime-notices');
const { buildPlatformAddons } = require('./platform-addon');
const {
  BUILD_SUITE_GLIBC, ORT_LIBRARY_FILE, PLATFORMS, SYMBOL_FLOORS, TENSORRT_PREBUILT_DIR,
  mainPackage, onnxRuntimeNode, platformPackageName, platformPackagesDir, prebuildPath,
} = require('./platforms');

const MiB = 2 ** 20;

/**
 * The committed TensorRT variants for `cpu`: [{ major, dir, manifest }], newest TensorRT first. Each is a folder
 * `tensorrt<major>/` holding its manifest.json and the addon in node-gyp-build's layout (prebuildPath).
 */
function tensorRtVariants(cpu, from = TENSORRT_PREBUILT_DIR) {
  if (!fs.existsSync(from)) return [];
  return fs.readdirSync(from)
    .filter((d) => /^tensorrt\d+$/.test(d) && fs.existsSync(path.join(from, d, prebuildPath(cpu))))
    .map((d) => {
      const dir = path.join(from, d);
      const manifestFile = path.join(dir, 'manifest.json');
      if (!fs.existsSync(manifestFile)) throw new Error(`${dir} has ${prebuildPath(cpu)} but no manifest.json`);
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      const major = Number(d.slice('tensorrt'.length));
      if (manifest.tensorrt?.major !== major || !Number.isInteger(manifest.cuda?.major)) {
        throw new Error(`${manifestFile}: tensorrt.major must be ${major} (the folder's) and cuda.major a number`);
      }
      return { major, dir, manifest };
    })
    .sort((a, b) => b.major - a.major);
}

/** The folder a variant has inside the platform package (and in tensorrt-prebuilt/). */
const variantDir = (major) => `tensorrt${major}`;

function packageJson(cpu, ortVersion, notices, variants) {
  return {
    name: platformPackageName(cpu),
    version: mainPackage.version,
    description: `${mainPackage.name}'s native addon with ONNX Runtime ${ortVersion} (CPU)${variants.length ? ' and TensorRT variants' : ''} for Linux ${cpu}, glibc >= ${SYMBOL_FLOORS.GLIBC}`,
    license: 'MIT',
    ...(mainPackage.repository ? { repository: mainPackage.repository } : {}),
    os: ['linux'],
    cpu: [cpu],
    libc: ['glibc'],
    engines: mainPackage.engines,
    files: ['prebuilds/', ORT_LIBRARY_FILE, notices.license.packagedAs, ...(notices.notices ? [notices.notices.packagedAs] : []), ...variants.map((v) => `${variantDir(v.major)}/`)],
    // Yarn PnP: native files must sit on disk.
    preferUnplugged: true,
    publishConfig: { access: 'public' },
    // What the loader in the main package reads (lib/native/platform-package.ts). The addons are found by
    // node-gyp-build: prebuilds/ in this folder for the CPU addon, in each variant's folder for the variants.
    dynamicOfa: {
      onnxruntimeLibrary: ORT_LIBRARY_FILE,
      onnxruntimeVersion: ortVersion,
      glibc: SYMBOL_FLOORS.GLIBC,
      ...(variants.length ? { tensorrt: variants.map((v) => ({ dir: variantDir(v.major), tensorrtMajor: v.major, cudaMajor: v.manifest.cuda.major })) } : {}),
    },
  };
}

function readme(cpu, ortVersion, notices, variants) {
  return [
    `# ${platformPackageName(cpu)}`,
    '',
    `The Linux ${cpu} binaries of the npm package \`${mainPackage.name}\`, installed automatically as its optional`,
    'dependency on matching machines; not meant to be used on its own.',
    '',
    `- \`${prebuildPath(cpu)}\`: its Node-API addon (made by prebuildify, loaded with node-gyp-build), built against glibc ${BUILD_SUITE_GLIBC} headers and libraries; needs glibc >= ${SYMBOL_FLOORS.GLIBC}.`,
    ...variants.map((v) => `- \`${variantDir(v.major)}/${prebuildPath(cpu)}\`: the addon with TensorRT ${v.manifest.tensorrt.major}.${v.manifest.tensorrt.minor} / CUDA ${v.manifest.cuda.major} headers (\`${variantDir(v.major)}/manifest.json\` says how it was built); it loads TensorRT and CUDA at run time and is used only where they load.`),
    `- \`${ORT_LIBRARY_FILE}\`: ONNX Runtime ${ortVersion} (CPU), the library of the npm package onnxruntime-node@${ortVersion}, unmodified.`,
    '',
    `ONNX Runtime is Copyright (c) Microsoft Corporation, MIT-licensed: \`${notices.license.packagedAs}\`.`,
    notices.notices
      ? `Third-party notices for ONNX Runtime: \`${notices.notices.packagedAs}\`, ${notices.notices.describe}.`
      : `THIS BUILD HAS NO THIRD-PARTY NOTICES FOR ONNX RUNTIME (${notices.problem}): not for publishing.`,
    '',
  ].join('\n');
}

/** Writes platform-packages/linux-<cpu>/ from the built prebuilds/ tree; returns { dir, notices }. */
function stagePlatformPackage(cpu, prebuilds, { release = false, log = console.log } = {}) {
  const ort = onnxRuntimeNode(cpu);
  const notices = onnxRuntimeNotices(ort.version);
  for (const w of notices.warnings) log(`warning: ${w}`);
  if (!notices.notices) {
    if (release) throw new Error(`refusing to pack ${platformPackageName(cpu)} for release: ${notices.problem}; set ONNXRUNTIME_NOTICES_DIR to the unpacked ONNX Runtime ${ort.version} release archive`);
    log(`warning: ${notices.problem}; staging without third-party notices`);
  }
  const variants = tensorRtVariants(cpu);
  const dir = platformPackagesDir(`linux-${cpu}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.cpSync(prebuilds, path.join(dir, 'prebuilds'), { recursive: true });
  if (!fs.existsSync(path.join(dir, prebuildPath(cpu)))) throw new Error(`${prebuilds} holds no ${path.relative('prebuilds', prebuildPath(cpu))}`);
  fs.copyFileSync(ort.library, path.join(dir, ORT_LIBRARY_FILE));
  for (const n of [notices.license, notices.notices].filter(Boolean)) fs.copyFileSync(n.file, path.join(dir, n.packagedAs));
  for (const v of variants) fs.cpSync(v.dir, path.join(dir, variantDir(v.major)), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(packageJson(cpu, ort.version, notices, variants), null, 2)}\n`);
  fs.writeFileSync(path.join(dir, 'README.md'), readme(cpu, ort.version, notices, variants));
  return { dir, notices };
}

/** npm pack of a staged folder into platform-packages/; returns { tarball, size, unpackedSize, files }. */
function packPlatformPackage(dir) {
  return npmPack(path.dirname(dir), { cwd: dir }).packed;
}

/**
 * Builds, stages and packs every requested platform, then the main package for release. Returns
 * { platforms: { cpu: packInfo }, main: packInfo, notices: { cpu: description } }.
 */
function makeRelease(cpus = Object.keys(PLATFORMS), options = {}) {
  const addons = buildPlatformAddons(cpus, options);
  const platforms = {};
  const notices = {};
  for (const cpu of cpus) {
    const staged = stagePlatformPackage(cpu, addons[cpu], options);
    platforms[cpu] = packPlatformPackage(staged.dir);
    notices[cpu] = staged.notices.notices?.describe ?? `none: ${staged.notices.problem}`;
  }
  return { platforms, main: packMainRelease(options), notices };
}

/** Bytes of all files under dir. */
function directorySize(dir) {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + fs.statSync(path.join(e.parentPath ?? e.path, e.name)).size, 0);
}

/** One line per package, and onnxruntime-node's installed size beside them. */
function sizeLines(release) {
  const line = (name, info) => `${name}: ${(info.size / MiB).toFixed(1)} MiB packed, ${(info.unpackedSize / MiB).toFixed(1)} MiB unpacked (${path.basename(info.tarball)})`;
  const ortNode = onnxRuntimeNode('x64');
  return [
    ...Object.entries(release.platforms).map(([cpu, info]) => line(platformPackageName(cpu), info)),
    line(mainPackage.name, release.main),
    `for comparison, onnxruntime-node ${ortNode.version} installed: ${(directorySize(ortNode.dir) / MiB).toFixed(0)} MiB unpacked (every OS's binaries)`,
  ];
}

/** The tarballs in the order they must be published: platform packages first, then the main package. */
function publishOrder(release) {
  return [...Object.values(release.platforms).map((p) => p.tarball), release.main.tarball];
}

module.exports = { makeRelease, stagePlatformPackage, packPlatformPackage, packageJson, tensorRtVariants, sizeLines, publishOrder, directorySize };

if (require.main === module) {
  try {
    const args = process.argv.slice(2);
    const cpus = args.filter((a) => !a.startsWith('--'));
    const release = makeRelease(cpus.length > 0 ? cpus : undefined, { release: args.includes('--release') });
    for (const l of sizeLines(release)) console.log(l);
    for (const [cpu, n] of Object.entries(release.notices)) console.log(`linux-${cpu} third-party notices for ONNX Runtime: ${n}`);
    console.log('publish in this order (platform packages first, so the main package never names a missing one):');
    for (const tarball of publishOrder(release)) console.log(`  npm publish ${path.relative(process.cwd(), tarball)}`);
  } catch (error) {
    console.error(`platform-packages: ${error.message}`);
    process.exit(1);
  }
}
