"""Fetching corpora, noise collections and trial lists: the first stage, which download rules run before a
corpus is read.

- ``archives``: the catalogue of the files the download rules fetch (where each lies, its expected digest
  and size, the folder it unpacks into);
- ``digests``: md5/sha256 digests, expected and computed;
- ``download``: one resumed, retried and verified HTTP(S) transfer;
- ``unpack``: a verified archive unpacked into its place, whole or not at all, never outside it, one at a time
  per download root;
- ``archive_read``: an archive's members read as data (safe names, plain files and folders only) and the
  archive checked to be complete; ``folder_writer``: writing them under one folder, never through a link;
- ``obtain``: what a download rule does (skip what is there, fetch, verify, unpack).

May import: the shared modules at the top (ge2e.errors and the like) and nothing else.
"""
