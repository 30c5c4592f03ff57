"""Hillenbrand et al. (1995) vowel loader: file formats, the Lopez 2024 selection, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from xbar.datasets import hillenbrand as H
from xbar.errors import DataError, XbarError

HEADER = "Index,ID," + ",".join(H.COLUMNS)


def _row(i: int, token: str, values: list[int]) -> str:
    return f"{i},{token}," + ",".join(str(v) for v in values)


def _values(seed: int, zero: int | None = None) -> list[int]:
    rng = np.random.default_rng(seed)
    v = [int(x) for x in rng.integers(200, 3000, len(H.COLUMNS))]
    if zero is not None:
        v[zero] = 0
    return v


@pytest.fixture
def small_csv(tmp_path):
    lines = [HEADER]
    k = 0
    for talker in ("w01", "w02", "w03"):
        for vowel in ("ae", "iy", "uw"):
            # w03 misses F2 at 50 % of "uw": not a complete talker for a set containing uw
            zero = H.COLUMNS.index("F2_50") if (talker, vowel) == ("w03", "uw") else None
            lines.append(_row(k, talker + vowel, _values(k, zero)))
            k += 1
    lines.append(_row(k, "m01ae", _values(k)))
    path = tmp_path / "vowdata.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def real_data():
    try:
        return H.find_data()
    except DataError:
        pytest.skip("Hillenbrand data not available (../shared/data/hillenbrand1995 or $XBAR_HILLENBRAND)")


def test_csv_selection_and_nan_for_unmeasured(small_csv):
    table = H.read_table(small_csv)
    assert table.values.shape == (10, 15)
    assert np.isnan(table.values).sum() == 1
    assert set(table.group) == {"w", "m"}
    data = H.load_vowels(small_csv, vowels=("ae", "iy", "uw"))
    assert data.x.shape == (6, 12)
    assert sorted(set(data.speakers)) == ["w01", "w02"]
    assert list(data.labels[:3]) == ["ae", "iy", "uw"]
    # without uw, w03 is complete
    assert len(set(H.load_vowels(small_csv, vowels=("ae", "iy")).speakers)) == 3
    # first sample's first feature is F1 of w01ae (column 3 of the row)
    assert data.x[0, 0] == table.values[0, H.COLUMNS.index("F1")]


def test_dat_layout_reads_the_same(small_csv, tmp_path):
    table = H.read_table(small_csv)
    folder = tmp_path / "dat"
    folder.mkdir()
    lines = ["Hillenbrand vowel data (free-text header)", "col1: filename ...", ""]
    for token, row in zip(table.ids, np.nan_to_num(table.values), strict=True):
        lines.append(token + "  " + " ".join(f"{int(v):5d}" for v in row))
    (folder / "vowdata.dat").write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = H.read_table(folder)  # a folder is searched for vowdata.csv / vowdata.dat
    assert again.path.name == "vowdata.dat"
    np.testing.assert_array_equal(np.nan_to_num(again.values), np.nan_to_num(table.values))


def test_env_variable_and_missing_data_message(small_csv, tmp_path, monkeypatch):
    monkeypatch.setenv(H.ENV_VAR, str(small_csv.parent))
    assert H.find_data() == small_csv
    monkeypatch.setenv(H.ENV_VAR, str(tmp_path / "nowhere"))
    with pytest.raises(DataError) as exc:
        H.load_vowels()
    msg = str(exc.value)
    assert H.ENV_VAR in msg and H.SOURCE_URL in msg and "nowhere" in msg
    with pytest.raises(DataError, match=r"no vowdata\.csv or vowdata\.dat at"):
        H.find_data(tmp_path / "missing.csv")
    assert issubclass(DataError, XbarError)


@pytest.mark.parametrize(("text", "match"), [
    ("Index,ID,F1\n0,w01ae,500\n", r":1: header lacks column\(s\) Duration"),
    (HEADER + "\n" + _row(0, "w01ae", [1] * 14 + ["x"]) + "\n", r"vowdata.csv:2: column F3_80 is 'x'"),
    (HEADER + "\n" + _row(0, "z01ae", [1] * 15) + "\n", r":2: token id 'z01ae'"),
    (HEADER + "\n" + _row(0, "w01zz", [1] * 15) + "\n", r":2: unknown vowel code 'zz'"),
    (HEADER + "\n" + _row(0, "w01ae", [1] * 15) + "\n" + _row(1, "w01ae", [1] * 15) + "\n",
     r":3: token 'w01ae' repeats .*:2"),
    (HEADER + "\n" + _row(0, "w01ae", [1] * 15) + ",7\n", r":2: 18 fields, the header has 17"),
    (HEADER + "\n" + _row(0, "w01ae", [1] * 14 + [-3]) + "\n", r"expected a finite value ≥ 0"),
    ("nothing here\n", r"no vowel token found"),
])
def test_malformed_files_name_file_and_line(tmp_path, text, match):
    path = tmp_path / "vowdata.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=match):
        H.read_table(path)


def test_bad_arguments(small_csv):
    with pytest.raises(DataError, match="vowels must be"):
        H.load_vowels(small_csv, vowels=("ae", "xx"))
    with pytest.raises(DataError, match="unknown talker group"):
        H.load_vowels(small_csv, group="q")
    with pytest.raises(DataError, match="unknown column"):
        H.load_vowels(small_csv, formants=("F9",))
    with pytest.raises(DataError, match="no talker of group 'b'"):
        H.load_vowels(small_csv, group="b")
    with pytest.raises(DataError, match="test_fraction"):
        H.speaker_split(["w01", "w02"], 1.5)


def test_speaker_split_keeps_talkers_together():
    spk = np.repeat([f"w{k:02d}" for k in range(37)], 7)
    train, test = H.speaker_split(spk, 0.2, seed=3)
    assert test.sum() == 8 * 7 and train.sum() == 29 * 7
    assert not set(spk[train]) & set(spk[test])
    again, _ = H.speaker_split(spk, 0.2, seed=3)
    np.testing.assert_array_equal(train, again)


def test_lopez2024_selection_on_the_real_data():
    real_data()
    table = H.read_table()
    assert table.values.shape == (1668, 15)
    assert {g: len(set(table.talker[table.group == g])) for g in H.GROUPS} == {"m": 45, "w": 48, "b": 27, "g": 19}
    data = H.load_vowels()
    assert data.x.shape == (259, 12) and len(set(data.speakers)) == 37
    assert np.bincount(data.y).tolist() == [37] * 7
    assert np.all(data.x > 0)
