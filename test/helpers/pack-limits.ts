/**
 * The pack limits the agent runs with (Node's zlib as the measuring
 * inflater), for core/git tests that import bundles or keep fetched packs.
 */
export { nodeMeasuredInflate, packLimits } from '../../agent/repo/pack-limits.js';
/** The agent's positioned pack reads, for tests of core's pack reader. */
export { objectFiles } from '../../agent/repo/object-files.js';
