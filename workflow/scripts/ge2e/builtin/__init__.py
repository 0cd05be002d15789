"""The built-in corpus: synthetic speakers written in the real TIMIT and Snips layouts, so the corpus
readers run on them exactly as on the real data.

- ``voices``: the shipped base voices, disjoint across splits, and a speaker's voice drawn from them;
- ``effects``: how each utterance is recorded (its variation, the sox chain, noise and level) and rendered;
- ``layouts``: what each corpus holds (spec, size), what its speakers say, the two layouts written.

May import: ge2e.corpus (the layouts the readers expect), ge2e.audio and the shared modules.
"""
