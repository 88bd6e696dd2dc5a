/**
 * Every top-level `stella` command with its one-line summary and how to load
 * it. The entry point registers only the command being run (its module pulls
 * in Git, LevelDB, the scanners…); the others appear in `stella --help` from
 * this list alone, so `--version` and `--help` cost little more than starting
 * Node. catalog.test.ts checks each summary against the command's own
 * description, so the two cannot drift apart.
 *
 * @example
 *   const entry = COMMANDS.find((c) => c.name === 'scan');
 *   (await entry.load())(program, setResult);
 */
import type { Command } from 'commander';
import type { SetResult } from './exit.js';
import { keepLayerBuffersInHeap } from '../image/heap-buffers.js';

/** Adds one command (or a group, or a pair like push/pull) to the program. */
export type Register = (program: Command, setResult: SetResult) => void;

/** One top-level command as `stella --help` lists it. */
export interface CatalogEntry {
  name: string;
  summary: string;
  /** Imports the module that registers the command (it may register siblings too: push and pull). */
  load: () => Promise<Register>;
}

/** In the order `stella --help` lists them. */
export const COMMANDS: readonly CatalogEntry[] = [
  {
    name: 'init',
    summary: 'create a state repository from the template, with a new ECDSA P-256 signing key (kept outside the repository)',
    load: async () => (await import('./commands/init.js')).registerInit,
  },
  {
    name: 'node',
    summary: 'join this machine to an existing mesh as a new node',
    load: async () => (await import('./commands/node.js')).registerNode,
  },
  {
    name: 'config',
    summary: 'show or change settings: the config file, or (for node) the state repository',
    load: async () => (await import('./commands/config.js')).registerConfig,
  },
  {
    name: 'feed',
    summary: 'manage the advisory feeds mirrored in the state repository',
    load: async () => (await import('./commands/feed.js')).registerFeed,
  },
  {
    name: 'scan',
    summary: 'scan an image, a root filesystem, a project folder or an SBOM, and match it against the mirrored advisories',
    load: async () => {
      // Before the scan's code loads, so that V8 has freed the block by the time layers are read.
      keepLayerBuffersInHeap();
      return (await import('./commands/scan.js')).registerScan;
    },
  },
  {
    name: 'vex',
    summary: 'manage the VEX documents (OpenVEX, CycloneDX VEX, CSAF VEX) that decide the status of findings',
    load: async () => (await import('./commands/vex.js')).registerVex,
  },
  {
    name: 'notify',
    summary: 'deliver notifications (new fail verdicts, new KEV findings) to the routes in stella.yaml',
    load: async () => (await import('./commands/notify.js')).registerNotify,
  },
  {
    name: 'policy',
    summary: 'sign and commit policies and exceptions, and simulate a candidate policy on the stored reports',
    load: async () => (await import('./commands/policy.js')).registerPolicy,
  },
  {
    name: 'verify',
    summary: 'check every report, feed and signed file (policies, VEX, exceptions, stella.yaml) of each ref against the keys in trust/',
    load: async () => (await import('./commands/verify.js')).registerVerify,
  },
  {
    name: 'report',
    summary: 'manage signed reports in the state repository',
    load: async () => (await import('./commands/report.js')).registerReport,
  },
  {
    name: 'review',
    summary: 'review findings as pull requests',
    load: async () => (await import('./commands/review.js')).registerReview,
  },
  {
    name: 'sync',
    summary: 'move the state repository between machines as git bundle files',
    load: async () => (await import('./commands/sync.js')).registerSync,
  },
  {
    name: 'push',
    summary: "send this node's reports (branch agents/<node>) to the remote; replays on top when another writer pushed first",
    load: async () => (await import('./commands/remote.js')).registerRemote,
  },
  {
    name: 'pull',
    summary: 'fast-forward main (trust, feeds) and agents/<node> from the remote; refuses if the remote rewrote history',
    load: async () => (await import('./commands/remote.js')).registerRemote,
  },
  {
    name: 'trust',
    summary: 'show and change the trust root (trust/root.json): who may sign reports, feeds and policies',
    load: async () => (await import('./commands/trust.js')).registerTrust,
  },
  {
    name: 'kit',
    summary: 'move feeds, VEX, policies, exceptions and trust to an air-gapped state repository as one signed tar',
    load: async () => (await import('./commands/kit.js')).registerKit,
  },
  {
    name: 'agent',
    summary: 'run the node agent: an HTTP API for scans, the schedule of nodes/<node>/schedule.yaml, a durable job queue; --once for timers and CI; enroll with an edge',
    load: async () => (await import('./commands/agent.js')).registerAgent,
  },
  {
    name: 'edge',
    summary: 'operate a Stella edge: create one-time enrollment tokens for nodes',
    load: async () => (await import('./commands/edge.js')).registerEdge,
  },
  {
    name: 'demo',
    summary: 'run the whole path on the bundled sample images: init, import advisories, scan, sign, commit, verify',
    load: async () => (await import('./commands/demo.js')).registerDemo,
  },
];
