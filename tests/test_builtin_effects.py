"""How a built-in utterance is recorded (ge2e.builtin.effects): its variation drawn up front and in range, the sox
chain that undoes the vocal-tract warp's pitch and tempo, and the same job rendered to the same bytes."""

import dataclasses
import math

import numpy as np
import soundfile as sf

from ge2e.builtin import effects, voices


def a_voice(seed=0, split="test"):
    return voices.draw_voice(np.random.default_rng(seed), split, voices.split_base_voices(seed))


def test_utterances_are_drawn_up_front_from_the_generator_alone_and_in_range():
    voice = a_voice()
    drawn = [effects.draw_utterance(np.random.default_rng(4), voice, "hello there", "a.wav", "wav", "u1") for _ in "ab"]
    assert drawn[0] == drawn[1]  # the same generator state, the same utterance
    u = drawn[0]
    assert 20 <= u.snr_db <= 30 and u.noise_color in (0.0, 1.0, 2.0)
    assert 10 ** (-30 / 20) <= u.peak <= 10 ** (-1 / 20)  # a recording level between -30 and -1 dBFS
    assert all(200 <= f <= 6000 for f in u.eq_freqs) and all(-9 <= g <= 9 for g in u.eq_gains)


def test_the_sox_chain_undoes_the_warps_pitch_and_tempo():
    u = effects.draw_utterance(np.random.default_rng(1), a_voice(2), "hi", "a.wav", "wav", "u")
    chain = effects.sox_effects(u)
    assert chain[:2] == ["speed", f"{u.voice.formant:.4f}"] and chain[-2:] == ["rate", str(effects.SAMPLE_RATE)]
    cents = float(chain[chain.index("pitch") + 1])
    want = u.voice.pitch_cents + u.pitch_jitter - 1200 * math.log2(u.voice.formant)
    assert abs(cents - want) < 0.06
    assert float(chain[chain.index("tempo") + 2]) == round(u.tempo_jitter / u.voice.formant, 4)


def test_a_job_renders_to_the_same_bytes_at_its_level(tmp_path):
    from workflow_run import require_speech_tools

    require_speech_tools()
    voice = a_voice(3)
    voice = dataclasses.replace(voice, base=next(v for v in voices.BASE_VOICES if v.engine == "espeak"), accent="en-us")
    job = effects.draw_utterance(np.random.default_rng(2), voice, "one two", "x/a.wav", "wav", "u")
    lengths = [effects.render(job, tmp_path / name) for name in ("one", "two")]
    assert lengths[0] == lengths[1]
    assert (tmp_path / "one/x/a.wav").read_bytes() == (tmp_path / "two/x/a.wav").read_bytes()
    samples, rate = sf.read(tmp_path / "one/x/a.wav")
    assert rate == effects.SAMPLE_RATE and len(samples) == lengths[0]
