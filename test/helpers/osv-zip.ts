/** Every OSV record of an osv.dev-layout zip, read independently of our importer. */
import yauzl from 'yauzl';
import type { OsvRecord } from '../../core/model/osv.js';

export function readZipRecords(path: string): Promise<OsvRecord[]> {
  return new Promise((resolve, reject) => {
    const records: OsvRecord[] = [];
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error);
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (err, stream) => {
          if (err || !stream) return reject(err);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            records.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OsvRecord);
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(records));
      zip.readEntry();
    });
  });
}
