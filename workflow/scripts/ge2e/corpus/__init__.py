"""Reading a corpus where it lies into manifest rows, and the per-task manifest itself.

- ``timit``, ``snips``: the two default layouts (converted by rules of their own);
- ``librispeech``, ``vctk``, ``voxceleb``, ``folder``: TI-SV corpora read where they lie, and
  ``speech_commands``, a TD-SV keyword corpus; ``formats`` maps ``corpus.tisv_format`` and
  ``corpus.tdsv_format`` to these readers;
- ``rows``: what the readers of files where they lie share (header probing, hold-outs, path checks);
- ``extra``, ``extra_config``: extra TI-SV training corpora, their rows and their config sections;
- ``manifest``: the per-task manifest (splits, sizes, the capacity check).

May import: ge2e.audio and the shared modules.
"""
