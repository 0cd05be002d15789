"""The built-in corpus: synthetic speakers written in the real TIMIT and Snips layouts, so the corpus
readers run on them exactly as on the real data.

- ``layouts``: writing the two layouts.

May import: ge2e.corpus (the layouts the readers expect), ge2e.audio and the shared modules.
"""
