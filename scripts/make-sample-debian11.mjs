#!/usr/bin/env node
// Builds the demo's Debian 11 sample, so `stella demo` shows real OS
// findings. Debian's mirror only serves today's bullseye packages, which
// carry every fix in the tracker lists we have (they end in spring 2023),
// so a freshly built image has nothing to find. Instead this rebuilds the
// package database of a real published image from its package list:
//
//   examples/sample-debian11.oci.tar
//     One layer: the Debian 11 os-release and a /var/lib/dpkg/status
//     holding the 96 packages of the official debian:bullseye-slim image of
//     2023-01-11 (Debian 11.6), as docker-library/repo-info recorded them
//     (repos/debian/local/bullseye-20230109-slim.md, commit
//     72e4be79b9c831d8da7d63a6ce871b20fc9e06c1). Each stanza keeps what a
//     scanner reads — Package, Status, Architecture, Source, Version — in
//     dpkg's field order; the architecture is the package's in Debian's
//     bullseye index. No program files.
//
//   examples/debian-security-tracker/DSA/list (and DLA/list when any apply)
//     The entries of the tracker lists with a [bullseye] line for a source
//     package of that image, copied unchanged and in list order, so the demo
//     imports them through the same connector as the full lists.
//
// Usage: node scripts/make-sample-debian11.mjs TRACKER_DIR EXAMPLES_DIR
//   TRACKER_DIR holds the tracker's DSA/list and DLA/list.
// Deterministic: the same input gives the same bytes.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

const [trackerDir, examplesDir] = process.argv.slice(2);
if (!trackerDir || !examplesDir) {
  console.error('usage: make-sample-debian11.mjs TRACKER_DIR EXAMPLES_DIR');
  process.exit(2);
}
// The image's creation date, 2023-01-11T00:00:00Z.
const MTIME = new Date(1673395200 * 1000);
const RELEASE = 'bullseye';

// `source=version: binary:arch=version …`, as the repo-info page lists them.
const PACKAGES = `
acl=2.2.53-10: libacl1:amd64=2.2.53-10
adduser=3.118: adduser:all=3.118
apt=2.2.4: apt:amd64=2.2.4 libapt-pkg6.0:amd64=2.2.4
attr=1:2.4.48-6: libattr1:amd64=1:2.4.48-6
audit=1:3.0-2: libaudit-common:all=1:3.0-2 libaudit1:amd64=1:3.0-2
base-files=11.1+deb11u6: base-files:amd64=11.1+deb11u6
base-passwd=3.5.51: base-passwd:amd64=3.5.51
bash=5.1-2+deb11u1: bash:amd64=5.1-2+deb11u1
bzip2=1.0.8-4: libbz2-1.0:amd64=1.0.8-4
cdebconf=0.260: libdebconfclient0:amd64=0.260
coreutils=8.32-4: coreutils:amd64=8.32-4+b1
dash=0.5.11+git20200708+dd9ef66-5: dash:amd64=0.5.11+git20200708+dd9ef66-5
db5.3=5.3.28+dfsg1-0.8: libdb5.3:amd64=5.3.28+dfsg1-0.8
debconf=1.5.77: debconf:all=1.5.77
debian-archive-keyring=2021.1.1: debian-archive-keyring:all=2021.1.1
debianutils=4.11.2: debianutils:amd64=4.11.2
diffutils=1:3.7-5: diffutils:amd64=1:3.7-5
dpkg=1.20.12: dpkg:amd64=1.20.12
e2fsprogs=1.46.2-2: e2fsprogs:amd64=1.46.2-2 libcom-err2:amd64=1.46.2-2 libext2fs2:amd64=1.46.2-2 libss2:amd64=1.46.2-2 logsave:amd64=1.46.2-2
findutils=4.8.0-1: findutils:amd64=4.8.0-1
gcc-10=10.2.1-6: gcc-10-base:amd64=10.2.1-6 libgcc-s1:amd64=10.2.1-6 libstdc++6:amd64=10.2.1-6
gcc-9=9.3.0-22: gcc-9-base:amd64=9.3.0-22
glibc=2.31-13+deb11u5: libc-bin:amd64=2.31-13+deb11u5 libc6:amd64=2.31-13+deb11u5
gmp=2:6.2.1+dfsg-1+deb11u1: libgmp10:amd64=2:6.2.1+dfsg-1+deb11u1
gnupg2=2.2.27-2+deb11u2: gpgv:amd64=2.2.27-2+deb11u2
gnutls28=3.7.1-5+deb11u2: libgnutls30:amd64=3.7.1-5+deb11u2
grep=3.6-1: grep:amd64=3.6-1
gzip=1.10-4+deb11u1: gzip:amd64=1.10-4+deb11u1
hostname=3.23: hostname:amd64=3.23
init-system-helpers=1.60: init-system-helpers:all=1.60
keyutils=1.6.1-2: libkeyutils1:amd64=1.6.1-2
krb5=1.18.3-6+deb11u3: libgssapi-krb5-2:amd64=1.18.3-6+deb11u3 libk5crypto3:amd64=1.18.3-6+deb11u3 libkrb5-3:amd64=1.18.3-6+deb11u3 libkrb5support0:amd64=1.18.3-6+deb11u3
libcap-ng=0.7.9-2.2: libcap-ng0:amd64=0.7.9-2.2+b1
libffi=3.3-6: libffi7:amd64=3.3-6
libgcrypt20=1.8.7-6: libgcrypt20:amd64=1.8.7-6
libgpg-error=1.38-2: libgpg-error0:amd64=1.38-2
libidn2=2.3.0-5: libidn2-0:amd64=2.3.0-5
libnsl=1.3.0-2: libnsl2:amd64=1.3.0-2
libseccomp=2.5.1-1+deb11u1: libseccomp2:amd64=2.5.1-1+deb11u1
libselinux=3.1-3: libselinux1:amd64=3.1-3
libsemanage=3.1-1: libsemanage-common:all=3.1-1 libsemanage1:amd64=3.1-1+b2
libsepol=3.1-1: libsepol1:amd64=3.1-1
libtasn1-6=4.16.0-2+deb11u1: libtasn1-6:amd64=4.16.0-2+deb11u1
libtirpc=1.3.1-1+deb11u1: libtirpc-common:all=1.3.1-1+deb11u1 libtirpc3:amd64=1.3.1-1+deb11u1
libunistring=0.9.10-4: libunistring2:amd64=0.9.10-4
libxcrypt=1:4.4.18-4: libcrypt1:amd64=1:4.4.18-4
libzstd=1.4.8+dfsg-2.1: libzstd1:amd64=1.4.8+dfsg-2.1
lsb=11.1.0: lsb-base:all=11.1.0
lz4=1.9.3-2: liblz4-1:amd64=1.9.3-2
mawk=1.3.4.20200120-2: mawk:amd64=1.3.4.20200120-2
ncurses=6.2+20201114-2: libtinfo6:amd64=6.2+20201114-2 ncurses-base:all=6.2+20201114-2 ncurses-bin:amd64=6.2+20201114-2
nettle=3.7.3-1: libhogweed6:amd64=3.7.3-1 libnettle8:amd64=3.7.3-1
openssl=1.1.1n-0+deb11u3: libssl1.1:amd64=1.1.1n-0+deb11u3
p11-kit=0.23.22-1: libp11-kit0:amd64=0.23.22-1
pam=1.4.0-9+deb11u1: libpam-modules:amd64=1.4.0-9+deb11u1 libpam-modules-bin:amd64=1.4.0-9+deb11u1 libpam-runtime:all=1.4.0-9+deb11u1 libpam0g:amd64=1.4.0-9+deb11u1
pcre2=10.36-2+deb11u1: libpcre2-8-0:amd64=10.36-2+deb11u1
pcre3=2:8.39-13: libpcre3:amd64=2:8.39-13
perl=5.32.1-4+deb11u2: perl-base:amd64=5.32.1-4+deb11u2
sed=4.7-1: sed:amd64=4.7-1
shadow=1:4.8.1-1: login:amd64=1:4.8.1-1 passwd:amd64=1:4.8.1-1
systemd=247.3-7+deb11u1: libsystemd0:amd64=247.3-7+deb11u1 libudev1:amd64=247.3-7+deb11u1
sysvinit=2.96-7+deb11u1: sysvinit-utils:amd64=2.96-7+deb11u1
tar=1.34+dfsg-1: tar:amd64=1.34+dfsg-1
tzdata=2021a-1+deb11u8: tzdata:all=2021a-1+deb11u8
util-linux=2.36.1-8+deb11u1: bsdutils:amd64=1:2.36.1-8+deb11u1 libblkid1:amd64=2.36.1-8+deb11u1 libmount1:amd64=2.36.1-8+deb11u1 libsmartcols1:amd64=2.36.1-8+deb11u1 libuuid1:amd64=2.36.1-8+deb11u1 mount:amd64=2.36.1-8+deb11u1 util-linux:amd64=2.36.1-8+deb11u1
xxhash=0.8.0-2: libxxhash0:amd64=0.8.0-2
xz-utils=5.2.5-2.1~deb11u1: liblzma5:amd64=5.2.5-2.1~deb11u1
zlib=1:1.2.11.dfsg-2+deb11u2: zlib1g:amd64=1:1.2.11.dfsg-2+deb11u2
`;

// base-files' /usr/lib/os-release for bullseye, byte for byte; /etc/os-release links to it.
const OS_RELEASE = `PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
NAME="Debian GNU/Linux"
VERSION_ID="11"
VERSION="11 (bullseye)"
VERSION_CODENAME=bullseye
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const split = (pair) => {
  const at = pair.indexOf('=');
  return [pair.slice(0, at), pair.slice(at + 1)];
};
const sources = PACKAGES.trim()
  .split('\n')
  .map((line) => {
    const [head, binaries] = line.split(': ');
    const [source, sourceVersion] = split(head);
    return { source, sourceVersion, binaries: binaries.split(' ').map(split) };
  });

/** One status stanza per binary package, sorted by name as dpkg keeps them. */
function statusFile() {
  const stanzas = [];
  for (const { source, sourceVersion, binaries } of sources) {
    for (const [nameArch, version] of binaries) {
      const [name, arch] = nameArch.split(':');
      const lines = [`Package: ${name}`, 'Status: install ok installed', `Architecture: ${arch}`];
      // dpkg names the source only when it differs, and its version only when that differs too.
      if (version !== sourceVersion) lines.push(`Source: ${source} (${sourceVersion})`);
      else if (name !== source) lines.push(`Source: ${source}`);
      lines.push(`Version: ${version}`);
      stanzas.push({ name, text: `${lines.join('\n')}\n` });
    }
  }
  stanzas.sort((a, b) => (a.name < b.name ? -1 : 1));
  return stanzas.map((s) => s.text).join('\n');
}

/** The entries of a tracker list that have a line for one of the image's source packages in its release. */
function trackerExcerpt(text) {
  const names = new Set(sources.map((s) => s.source));
  const release = new RegExp(`^\\s+\\[${RELEASE}\\] - (\\S+)`);
  const entries = text.split(/\n(?=\S)/);
  return entries.filter((entry) =>
    entry.split('\n').some((line) => {
      const match = release.exec(line);
      return match !== null && names.has(match[1]);
    }),
  );
}

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const json = (value) => Buffer.from(JSON.stringify(value));

const status = Buffer.from(statusFile());
const layerTar = await packTar([
  { header: { name: 'etc/debian_version', type: 'file', mode: 0o644 }, body: Buffer.from('11.6\n') },
  { header: { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release', mode: 0o777 } },
  { header: { name: 'usr/lib/os-release', type: 'file', mode: 0o644 }, body: Buffer.from(OS_RELEASE) },
  { header: { name: 'var/lib/dpkg/status', type: 'file', mode: 0o644 }, body: status },
]);
const layer = gzipSync(layerTar, { level: 9 });
const config = json({
  architecture: 'amd64',
  os: 'linux',
  created: MTIME.toISOString(),
  config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['bash'] },
  rootfs: { type: 'layers', diff_ids: [sha256(layerTar)] },
  history: [{ created: MTIME.toISOString(), created_by: 'scripts/make-sample-debian11.mjs: package database of debian:bullseye-slim (2023-01-11)' }],
});
const manifest = json({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
  layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
});
const index = json({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: sha256(manifest),
      size: manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': 'bullseye-slim-20230111', 'io.containerd.image.name': 'stella-mesh/sample-debian11:bullseye-slim-20230111' },
    },
  ],
});
const blobs = new Map([config, manifest, layer].map((bytes) => [sha256(bytes), bytes]));
const archive = await packTar([
  { header: { name: 'blobs/', type: 'directory', mode: 0o755 } },
  { header: { name: 'blobs/sha256/', type: 'directory', mode: 0o755 } },
  ...[...blobs.keys()].sort().map((digest) => ({ header: { name: `blobs/sha256/${digest.slice(7)}`, type: 'file', mode: 0o644 }, body: blobs.get(digest) })),
  { header: { name: 'index.json', type: 'file', mode: 0o644 }, body: index },
  { header: { name: 'oci-layout', type: 'file', mode: 0o644 }, body: json({ imageLayoutVersion: '1.0.0' }) },
]);
const imagePath = join(examplesDir, 'sample-debian11.oci.tar');
writeFileSync(imagePath, archive);
const packages = sources.reduce((n, s) => n + s.binaries.length, 0);
console.log(`${imagePath}: ${packages} packages from ${sources.length} source packages, ${archive.length} bytes`);

const trackerOut = join(examplesDir, 'debian-security-tracker');
rmSync(trackerOut, { recursive: true, force: true });
for (const list of ['DSA', 'DLA']) {
  const kept = trackerExcerpt(readFileSync(join(trackerDir, list, 'list'), 'utf8'));
  if (kept.length === 0) continue;
  mkdirSync(join(trackerOut, list), { recursive: true });
  writeFileSync(join(trackerOut, list, 'list'), `${kept.map((entry) => entry.replace(/\n+$/, '')).join('\n')}\n`);
  console.log(`${join(trackerOut, list, 'list')}: ${kept.length} entries`);
}

async function packTar(items) {
  const pack = tar.pack();
  const done = new Promise((resolve, reject) => {
    const chunks = [];
    pack.on('data', (c) => chunks.push(c));
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  for (const { header, body } of items) {
    await new Promise((resolve, reject) => {
      const entry = pack.entry({ uid: 0, gid: 0, uname: '', gname: '', mtime: MTIME, ...header, size: body ? body.length : 0 }, (error) => (error ? reject(error) : resolve()));
      if (body) entry.end(body);
      else if (header.type === 'file') entry.end();
    });
  }
  pack.finalize();
  return done;
}
