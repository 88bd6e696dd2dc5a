/**
 * The pack limits the agent runs with (Node's zlib as the measuring
 * inflater), for core/git tests that import bundles or keep fetched packs.
 */
export { nodeMeasuredInflate, packLimits } from '../../agent/repo/pack-limits.js';
