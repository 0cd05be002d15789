"""Small corpora in the real on-disk layouts of LibriSpeech, VCTK 0.92 and VoxCeleb, from generated audio.

Each utterance is ``integer_corpus.utterance`` (speech-like pulses through a per-speaker filter,
made from integers alone) at 16 kHz, or a short tone at another rate, so a tree of a few speakers
writes in well under a second.
"""

from pathlib import Path

import numpy as np
import soundfile as sf
from audio_files import write_m4a
from integer_corpus import utterance


def tone(k, rate=16000, seconds=0.1):
    t = np.arange(int(rate * seconds)) / rate
    return (0.3 * np.sin(2 * np.pi * (150 + 10 * (k % 40)) * t)).astype(np.float32)


def write_librispeech(root, subsets=None, chapters=2, per_chapter=3, speech=False, transcripts=True):
    """``root/<subset>/<speaker>/<chapter>/<speaker>-<chapter>-<nnnn>.flac`` + ``.trans.txt`` + SPEAKERS.TXT.

    ``subsets``: subset name -> speakers (default train-clean-100: 6, test-clean: 3); speaker ids
    count up from 100 across subsets. ``speech``: integer-made speech (about a second) instead of 0.1 s tones.
    ``transcripts``: False leaves out every ``.trans.txt`` (copies cut down to the audio).
    """
    root = Path(root)
    subsets = subsets or {"train-clean-100": 6, "test-clean": 3}
    lines = ["; LibriSpeech-like test corpus", ";ID      |SEX| SUBSET           |MINUTES| NAME"]
    k = 0
    for subset, count in subsets.items():
        for _ in range(count):
            speaker = str(100 + k)
            sex = "FM"[k % 2]
            lines.append(f"{speaker:<5}| {sex} | {subset:<16} | 1.00 | Reader|{k}")  # a name holding '|'
            for c in range(chapters):
                chapter = str(2000 + 10 * k + c)
                folder = root / subset / speaker / chapter
                folder.mkdir(parents=True)
                trans = []
                for n in range(per_chapter):
                    uid = f"{speaker}-{chapter}-{n:04d}"
                    if speech:
                        sf.write(folder / f"{uid}.flac", utterance(k, c * per_chapter + n), 16000, subtype="PCM_16")
                    else:
                        sf.write(folder / f"{uid}.flac", tone(k + n), 16000, subtype="PCM_16")
                    trans.append(f"{uid} SOME WORDS {n}")
                if transcripts:
                    (folder / f"{speaker}-{chapter}.trans.txt").write_text("\n".join(trans) + "\n")
            k += 1
    (root / "SPEAKERS.TXT").write_text("\n".join(lines) + "\n")
    return root


def sound(k, n, rate=16000, speech=False):
    """Utterance ``n`` of speaker ``k``: integer-made speech (about a second; at a multiple of 16 kHz, each
    sample repeated), or a 0.1 s tone."""
    if not speech:
        return tone(k + n, rate)
    return np.repeat(utterance(k, n), rate // 16000)


def write_vctk(root, speakers=8, per_speaker=3, mics=("mic1", "mic2"), rate=48000, speech=False):
    """``root/wav48_silence_trimmed/<speaker>/<speaker>_<nnn>_<mic>.flac`` + speaker-info.txt (ids p225 up)."""
    root = Path(root)
    lines = ["ID  AGE  GENDER  ACCENTS  REGION COMMENTS "]
    for k in range(speakers):
        speaker = f"p{225 + k}"
        lines.append(f"{speaker}  23  {'FM'[k % 2]}    English    Southern  England")
        folder = root / "wav48_silence_trimmed" / speaker
        folder.mkdir(parents=True)
        for n in range(1, per_speaker + 1):
            for mic in mics:
                sf.write(folder / f"{speaker}_{n:03d}_{mic}.flac", sound(k, n, rate, speech), rate, subtype="PCM_16")
    (root / "speaker-info.txt").write_text("\n".join(lines) + "\n")
    return root


def write_voxceleb(root, speakers, videos=2, per_video=2, kind="wav", speech=False, first=0):
    """``root/<idNNNNN>/<video>/<nnnnn>.<kind>`` (kind wav or m4a) for each of ``speakers`` (ids), the
    k-th with voice ``first + k``."""
    root = Path(root)
    for k, speaker in enumerate(speakers, first):
        for v in range(videos):
            folder = root / speaker / f"vid{k:02d}_{v}Xy"
            folder.mkdir(parents=True)
            for n in range(1, per_video + 1):
                path = folder / f"{n:05d}.{kind}"
                samples = sound(k, v * per_video + n, speech=speech)
                if kind == "m4a":
                    write_m4a(path, samples)
                else:
                    sf.write(path, samples, 16000, subtype="PCM_16")
    return root


def write_folder(root, speakers=6, per_speaker=3, speech=False, joined=()):
    """``root/<speaker>/<n>.wav`` for speakers spk00, spk01, ...; a speaker of ``joined`` (indices) has its
    ``per_speaker`` utterances in one long file, ``0.wav``."""
    root = Path(root)
    for k in range(speakers):
        folder = root / f"spk{k:02d}"
        folder.mkdir(parents=True)
        utterances = [sound(k, n, speech=speech) for n in range(per_speaker)]
        if k in joined:
            utterances = [np.concatenate(utterances)]
        for n, samples in enumerate(utterances):
            sf.write(folder / f"{n}.wav", samples, 16000, subtype="PCM_16")
    return root


def _speech_commands_ids(layout, speakers):
    """Speaker ids as each layout spells them: Google's 8 hex digits, the Arabic set's 8 decimal digits."""
    if layout == "google":
        return [f"{0xB0000000 + 7919 * k:08x}" for k in range(speakers)]
    return [f"{k + 1:08d}" for k in range(speakers)]


def write_speech_commands(root, layout="google", speakers=10, per_speaker=5, keywords=("ok", "yes"), val=2, test=3):
    """A keyword corpus in the Speech Commands layout, the last ``test`` speakers testing and the ``val`` before
    them validating; integer-made speech (about a second) at 16 kHz. Returns the folder holding the keyword
    folders (``root`` for Google's, ``root/dataset`` for the CSV one).

    ``layout``: ``google`` writes ``root/<word>/<speaker>_nohash_<n>.wav`` with ``validation_list.txt`` and
    ``testing_list.txt`` (paths relative to root) and a ``_background_noise_`` folder; ``csv`` writes the Arabic
    set's ``root/dataset/<word>/<speaker>_NO_<nn>.wav`` with ``train.csv``, ``val.csv`` and ``test.csv`` (a
    ``file,class`` table, paths relative to root) beside ``dataset/``.
    """
    root = Path(root)
    ids = _speech_commands_ids(layout, speakers)
    split_of = (
        {s: "train" for s in ids} | {s: "val" for s in ids[-val - test : -test]} | {s: "test" for s in ids[-test:]}
    )
    folder = root if layout == "google" else root / "dataset"
    listed = {"train": [], "val": [], "test": []}
    for w, word in enumerate(keywords):
        (folder / word).mkdir(parents=True)
        for k, speaker in enumerate(ids):
            for n in range(per_speaker):
                name = f"{speaker}_nohash_{n}.wav" if layout == "google" else f"{speaker}_NO_{n + 1:02d}.wav"
                sf.write(folder / word / name, utterance(k, 100 * w + n), 16000, subtype="PCM_16")
                listed[split_of[speaker]].append(f"{word}/{name}")
    if layout == "google":
        (root / "_background_noise_").mkdir()
        sf.write(root / "_background_noise_" / "white_noise.wav", tone(1, seconds=1.0), 16000, subtype="PCM_16")
        (root / "validation_list.txt").write_text("\n".join(listed["val"]) + "\n")
        (root / "testing_list.txt").write_text("\n".join(listed["test"]) + "\n")
        return root
    for split, name in (("train", "train.csv"), ("val", "val.csv"), ("test", "test.csv")):
        lines = [f"dataset/{path},{path.split('/')[0]}" for path in listed[split]]
        (root / name).write_text("\n".join(["file,class", *lines]) + "\n")
    return folder
