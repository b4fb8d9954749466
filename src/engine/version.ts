import fs from 'node:fs';

/** lifeboat's version, from its package.json; recorded in every manifest. */
export const LIFEBOAT_VERSION: string = (JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
