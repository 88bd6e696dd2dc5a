// The part of pako 1.x (isomorphic-git's own inflater, so always installed beside it) that
// edge/git/inflate.ts uses; pako 1 ships no types of its own. It is CommonJS: default import only.
declare module 'pako' {
  class Inflate {
    constructor(options?: { chunkSize?: number });
    push(data: Uint8Array, mode?: boolean | number): boolean;
    onData(chunk: Uint8Array): void;
    readonly ended: boolean;
    readonly err: number;
    readonly msg: string;
    readonly strm: { avail_in: number };
  }
  const pako: { Inflate: typeof Inflate };
  export default pako;
}
