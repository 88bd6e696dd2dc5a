/**
 * Reads the few tags we need from an rpm header blob, as rpm stores it in
 * its database (the `blob` column of rpmdb.sqlite's `Packages` table): the
 * header without its 8-byte magic, i.e.
 *
 *   il (u32 BE)  number of index entries
 *   dl (u32 BE)  length of the data store
 *   il × 16 bytes index entries: tag, type, offset (into the data store), count, all u32 BE
 *   dl bytes     data store
 *
 * Every number in a blob is untrusted: it is checked against the blob's
 * real length before it is used, and nothing is allocated from a count, so
 * a hostile blob costs at most one pass over its index.
 *
 * @example
 *   const result = readRpmHeader(blob);
 *   if (result.kind === 'header') console.log(result.header.name, result.header.epoch);
 *   else console.log(result.problem); // "header declares 3 index entries and 40 data bytes …"
 */

/** Tag numbers from rpm's rpmtag.h. */
export const RPMTAG = Object.freeze({ NAME: 1000, VERSION: 1001, RELEASE: 1002, EPOCH: 1003, ARCH: 1022, SOURCERPM: 1044 });

/** Entry types from rpm's header.h that the tags above use. */
const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_I18NSTRING = 9;

const INTRO_BYTES = 8;
const ENTRY_BYTES = 16;
/** rpm's own limits (HEADER_TAGS_MAX, HEADER_DATA_MAX): it refuses larger headers, so do we. */
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 0x0fffffff;

/**
 * The largest blob a valid header can be; longer blobs need not be read at all.
 *
 * @example
 *   if (blobLength > RPM_HEADER_MAX_BYTES) warn('not an rpm header');
 */
export const RPM_HEADER_MAX_BYTES = INTRO_BYTES + MAX_ENTRIES * ENTRY_BYTES + MAX_DATA;

const WANTED: ReadonlySet<number> = new Set(Object.values(RPMTAG));

/** The tags the extractor uses; optional ones are undefined when the header lacks them. */
export interface RpmHeader {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  sourceRpm?: string;
}

/**
 * A header, with problems in optional tags that did not stop it being read;
 * or why the blob cannot give a package at all.
 */
export type RpmHeaderResult = { kind: 'header'; header: RpmHeader; problems: string[] } | { kind: 'invalid'; problem: string };

interface Entry {
  type: number;
  offset: number;
  count: number;
}

/** Where the data store is and which of our tags the index holds. */
interface Layout {
  view: DataView;
  dataStart: number;
  dataLength: number;
  entries: Map<number, Entry>;
}

/** Strings in headers are UTF-8; a fatal decoder turns mojibake into a problem instead of U+FFFD in a name. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads NAME, VERSION, RELEASE, EPOCH, ARCH and SOURCERPM from a header
 * blob. Never throws: a malformed blob gives `{ kind: 'invalid' }`.
 *
 * @example
 *   readRpmHeader(blob);
 *   // { kind: 'header', header: { name: 'bash', version: '5.2.26', release: '3.fc40', arch: 'x86_64',
 *   //   sourceRpm: 'bash-5.2.26-3.fc40.src.rpm' }, problems: [] }
 */
export function readRpmHeader(blob: Uint8Array): RpmHeaderResult {
  const layout = readLayout(blob);
  if (typeof layout === 'string') return { kind: 'invalid', problem: layout };
  const name = required(readString(layout, RPMTAG.NAME, 'NAME'), 'NAME');
  if (typeof name === 'object') return { kind: 'invalid', problem: name.problem };
  const version = required(readString(layout, RPMTAG.VERSION, 'VERSION'), 'VERSION');
  if (typeof version === 'object') return { kind: 'invalid', problem: version.problem };
  const release = required(readString(layout, RPMTAG.RELEASE, 'RELEASE'), 'RELEASE');
  if (typeof release === 'object') return { kind: 'invalid', problem: release.problem };
  // Without a readable epoch the version would silently compare lower than it is: the package cannot be reported.
  const epoch = readInt32(layout, RPMTAG.EPOCH, 'EPOCH');
  if (typeof epoch === 'object') return { kind: 'invalid', problem: epoch.problem };
  const header: RpmHeader = { name, version, release };
  if (epoch !== undefined) header.epoch = epoch;
  // ARCH and SOURCERPM only enrich the package; losing one is a problem to report, not a reason to drop it.
  const problems: string[] = [];
  const arch = readString(layout, RPMTAG.ARCH, 'ARCH');
  if (typeof arch === 'object') problems.push(arch.problem);
  else if (arch !== undefined) header.arch = arch;
  const sourceRpm = readString(layout, RPMTAG.SOURCERPM, 'SOURCERPM');
  if (typeof sourceRpm === 'object') problems.push(sourceRpm.problem);
  else if (sourceRpm !== undefined) header.sourceRpm = sourceRpm;
  return { kind: 'header', header, problems };
}

/** Checks the intro against the blob's length and indexes our tags; a string is the problem. */
function readLayout(blob: Uint8Array): Layout | string {
  if (blob.byteLength < INTRO_BYTES) return `header blob is ${blob.byteLength} bytes, shorter than its 8-byte intro`;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const count = view.getUint32(0);
  const dataLength = view.getUint32(4);
  if (count === 0) return 'header has no index entries';
  if (count > MAX_ENTRIES) return `header declares ${count} index entries, more than rpm's limit of ${MAX_ENTRIES}`;
  if (dataLength > MAX_DATA) return `header declares ${dataLength} data bytes, more than rpm's limit of ${MAX_DATA}`;
  const dataStart = INTRO_BYTES + count * ENTRY_BYTES;
  // rpm refuses a blob whose length is not exactly what its intro says; so do we (both bounds checked in one).
  if (dataStart + dataLength !== blob.byteLength) {
    return `header declares ${count} index entries and ${dataLength} data bytes (${dataStart + dataLength} bytes), but the blob is ${blob.byteLength} bytes`;
  }
  const entries = new Map<number, Entry>();
  for (let at = INTRO_BYTES; at < dataStart; at += ENTRY_BYTES) {
    const tag = view.getUint32(at);
    // rpm lets entries appended after the immutable region replace earlier ones with the same tag: the last one wins.
    if (WANTED.has(tag)) entries.set(tag, { type: view.getUint32(at + 4), offset: view.getUint32(at + 8), count: view.getUint32(at + 12) });
  }
  return { view, dataStart, dataLength, entries };
}

function required(value: string | undefined | { problem: string }, label: string): string | { problem: string } {
  return value ?? { problem: `header has no ${label} tag` };
}

/** The tag's string, undefined when absent, or the problem. I18NSTRING gives its first (default-locale) string. */
function readString(layout: Layout, tag: number, label: string): string | undefined | { problem: string } {
  const entry = layout.entries.get(tag);
  if (entry === undefined) return undefined;
  if (entry.type !== TYPE_STRING && entry.type !== TYPE_I18NSTRING) return { problem: `${label} has type ${entry.type}, not a string` };
  if (entry.count === 0 || (entry.type === TYPE_STRING && entry.count !== 1)) return { problem: `${label} has count ${entry.count}` };
  if (entry.offset >= layout.dataLength) return { problem: `${label} offset ${entry.offset} is outside the ${layout.dataLength}-byte data store` };
  const bytes = new Uint8Array(layout.view.buffer, layout.view.byteOffset + layout.dataStart, layout.dataLength);
  const end = bytes.indexOf(0, entry.offset);
  if (end < 0) return { problem: `${label} at offset ${entry.offset} runs past the end of the data store` };
  try {
    return utf8.decode(bytes.subarray(entry.offset, end));
  } catch {
    return { problem: `${label} is not valid UTF-8` };
  }
}

/** The tag's first INT32 value, undefined when absent, or the problem. */
function readInt32(layout: Layout, tag: number, label: string): number | undefined | { problem: string } {
  const entry = layout.entries.get(tag);
  if (entry === undefined) return undefined;
  if (entry.type !== TYPE_INT32) return { problem: `${label} has type ${entry.type}, not INT32` };
  if (entry.count === 0) return { problem: `${label} has count 0` };
  // A subtraction, not offset + 4: offset is at most 2^32, but the comparison must not depend on that.
  if (layout.dataLength < 4 || entry.offset > layout.dataLength - 4) {
    return { problem: `${label} offset ${entry.offset} is outside the ${layout.dataLength}-byte data store` };
  }
  return layout.view.getUint32(layout.dataStart + entry.offset);
}
