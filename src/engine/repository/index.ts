// The backup repository, in restic's format (repository version 2). This is the API the rest of
// lifeboat uses; see docs/repository-format.md for the format itself. Nothing here knows what it
// stores: it takes files, trees and streams and gives them back.
//
//   const repo = await Repository.open(openBackend(location), password);
//   const w = await SnapshotWriter.start(repo, { onProgress, signal });
//   try {
//     await w.addPath('/var/lib/etcd', '/etcd/data');           // a tree from disk
//     await w.addStream('/images/nginx.tar', readable);         // a stream as a file
//     await w.addBytes('/manifests/all.yaml', yamlText);        // small bytes
//     const id = await w.commit({ tags: ['nightly'], hostname: 'prod' });
//   } catch (e) { await w.abort(); throw e; }
export type { Backend, FileInfo, FileType } from './backend/backend.ts';
export { LocalBackend, defaultRepositoryFolder } from './backend/local.ts';
export { S3Backend, parseS3Url } from './backend/s3.ts';
export { openBackend } from './backend/location.ts';
export * from './errors.ts';
export { Repository, type HeldLock } from './repository.ts';
export { SnapshotWriter, type Progress, type WriterOptions, type FileMeta, type CommitOptions } from './writer.ts';
export { walkTree, findPath, listPath, readFile, type Entry } from './reader.ts';
export { restoreSnapshot, type RestoreOptions, type RestoreResult } from './restore.ts';
export { checkRepository, type CheckReport, type CheckOptions, type DamagedBlob } from './check.ts';
export type { Snapshot, SnapshotInfo } from './snapshot.ts';
export type { Node, NodeType, Tree } from './tree.ts';
