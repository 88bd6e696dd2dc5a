/**
 * The edge's signature memo against a trust-root change: what the accept
 * verified under one root is answered from memory only while the root still
 * names the same key; once main revokes it, admission refuses the commit
 * carrying that very report, memo or not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitRefMove } from '../../core/admission/admit.js';
import { generateKeyPair, signingKeyFromPair, type SigningKey } from '../../core/sign/keys.js';
import { SignatureMemo } from '../../core/sign/signature-memo.js';
import { currentTrustRoot } from '../../core/verify/trust-state.js';
import { tempRepo, type TempRepo } from '../../test/helpers/repo.js';
import { commitTrustChange } from '../../test/helpers/trust.js';
import { sampleReport, signedSubmission } from '../edge-harness.test-helper.js';
import { parseSubmission } from './body.js';
import { verifySubmission } from './verify.js';

let seed: TempRepo;
let nodeKey: SigningKey;

beforeAll(async () => {
  seed = await tempRepo('n1');
  nodeKey = await signingKeyFromPair(await generateKeyPair());
  await commitTrustChange(seed.repo, [{ $case: 'enroll', node: 'n2', publicKey: nodeKey.publicKeyPem }], [seed.key]);
});
afterAll(() => seed?.cleanup());

describe('the signature memo shared by accept and admission', () => {
  it('spares admission the ECDSA check of what the accept verified, and keeps refusing once main revokes the key', async () => {
    const store = seed.repo.store;
    const before = (await store.branchTip('main')) as string;
    const memo = new SignatureMemo();
    const body = new TextEncoder().encode(JSON.stringify(await signedSubmission(nodeKey, 'n2', sampleReport('app'))));
    const report = await verifySubmission(await currentTrustRoot(store, before), 'n2', parseSubmission(body), memo);
    expect(memo.hits).toBe(0);

    // The node's branch starts at main (admitted), and the report is committed on it as a commit round does.
    await store.writeRef('refs/heads/agents/n2', before);
    const changes = new Map([...report.files].map(([name, bytes]) => [`${report.folder}/${name}`, bytes] as const));
    const { oid } = await store.commit({ branch: 'agents/n2', parent: before, changes, message: 'edge: 1 report from n2\n', author: { name: 'stella-edge', email: 'edge@n2' } });
    const move = { ref: 'refs/heads/agents/n2', from: before, to: oid };
    await admitRefMove(store, move, { trust: before, signatures: memo });
    expect(memo.hits).toBe(1);

    await commitTrustChange(seed.repo, [{ $case: 'revoke', keyid: nodeKey.keyId }], [seed.key]);
    const after = (await store.branchTip('main')) as string;
    await expect(admitRefMove(store, move, { trust: after, signatures: memo })).rejects.toMatchObject({ code: 'VERIFY_FAILED', data: { rule: 'verify' } });
    await expect(admitRefMove(store, move, { trust: after, signatures: memo })).rejects.toThrow(/not enrolled for node n2/);
    expect(memo.hits).toBe(1);
  });
});
