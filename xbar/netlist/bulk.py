"""Fast path for plain element lines: a whole file classified with numpy, elements as arrays.

A crossbar deck is hundreds of thousands of lines of one form, ``R<name> n+ n- <number>``.
Reading each of them as a :class:`~xbar.netlist.lexer.Card` (an object, a token list, a location,
a trip through the elaborator) costs microseconds per line. Here the file's bytes are classified
in a few numpy passes, and each run of consecutive *plain* lines becomes one
:class:`ElementBlock` (names, nodes and values as columns) riding on the card of its first line
(``card.bulk``); the elaborator adds a block to the circuit in one call.

A line is *plain* when all of the following hold (anything else is read card by card, as before,
so every error message and every dialect rule stays where it was):

* it starts in column 1 with ``R``, ``C`` or ``L`` (either case);
* it holds exactly four tokens separated by spaces or tabs, printable ASCII only, none of
  ``{ } ' " = ( ) , ; $`` (no expressions, parameters, comments or ``name=value`` options);
* the fourth token is a number (digits, letters, ``.``, ``+``, ``-``) that :func:`parse_number`
  reads with nothing left over that the elaborator would reject (``1k2``), finite, at most
  1e30 in magnitude and, for a resistor, not zero;
* the next line that is not blank or a ``*`` comment starts a new card in the ordinary way (a
  letter or a ``.`` after optional blanks), so no ``+`` line can continue it;
* it is not the title, not inside ``.subckt`` … ``.ends`` or ``.control`` … ``.endc``, and not
  after ``.end``.

Imports only numpy, :mod:`xbar.units`, :mod:`xbar.reprs` and :mod:`xbar.errors` (through the
lexer's types).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from xbar.reprs import short_repr
from xbar.units import bad_tail, parse_number

if TYPE_CHECKING:
    from xbar.netlist.lexer import Card

__all__ = ["BULK_LETTERS", "ElementBlock", "expand_blocks", "plain_runs"]

#: element letters read by the fast path (two terminals and one value)
BULK_LETTERS = frozenset("rcl")

def _byte_table(chars: bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[np.frombuffer(chars, dtype=np.uint8)] = True
    return table


# byte classes: even codes are parts of words (tokens), odd codes separate them
_WORD, _BLANK, _BAD, _NEWLINE = 0, 1, 2, 3
_CLASS = np.full(256, _BAD, dtype=np.uint8)  # control characters and non-ASCII bytes
_CLASS[33:127] = _WORD
_CLASS[[ord(" "), ord("\t")]] = _BLANK
_CLASS[ord("\n")] = _NEWLINE
_CLASS[np.frombuffer(b"{}'\"=(),;$", dtype=np.uint8)] = _BAD  # meaningful in the dialect
_LETTER_OR_DOT = _byte_table(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
_BULK_FIRST = _byte_table("".join(sorted(BULK_LETTERS)).encode() + "".join(sorted(BULK_LETTERS)).upper().encode())
_STAR = ord("*")
_DOT = ord(".")


@dataclass(slots=True, eq=False)
class ElementBlock:
    """Consecutive plain element lines of one kind, column-wise.

    Attributes
    ----------
    letter : str
        ``"r"``, ``"c"`` or ``"l"``.
    names : list of str
        Element names, lower case (each starts with ``letter``).
    nodes : list of str
        Node names, lower case, interleaved: line ``k`` connects ``nodes[2k]`` (n+) and
        ``nodes[2k + 1]`` (n-).
    values : numpy.ndarray
        ``(k,)`` values in SI units (ohm, farad, henry), checked as stated in the module docstring.
    lines : numpy.ndarray
        ``(k,)`` 1-based physical line numbers.
    file : str
        File the lines were read from (for messages).
    source : list of str
        All physical lines of that file (``source[line - 1]`` is a line's text).
    """

    __repr__ = short_repr

    letter: str
    names: list[str]
    nodes: list[str]
    values: np.ndarray
    lines: np.ndarray
    file: str
    source: list[str]

    def __len__(self) -> int:
        return len(self.names)

    def card(self, k: int) -> Card:
        """The ordinary card of line ``k`` of the block (for messages and the slow path)."""
        from xbar.netlist.lexer import Card

        line = int(self.lines[k])
        text = self.source[line - 1].rstrip()
        return Card(self.file, line, text, text.split())


def plain_runs(lines: list[str], *, has_title: bool) -> list[tuple[int, int]]:
    """Runs ``[start, stop)`` of consecutive plain lines of one kind (0-based indices into
    ``lines``).

    See the module docstring for what makes a line plain; values are checked by
    :func:`read_run`. A handful of numpy passes over the file's bytes (no per-line Python).
    """
    n_lines = len(lines)
    if n_lines < 2:
        return []
    buf = np.frombuffer("\n".join(lines).encode("utf-8", "surrogatepass"), dtype=np.uint8)
    size = len(buf)
    nl = np.flatnonzero(buf == ord("\n"))  # line k ends at nl[k] (the last at the end)
    starts = np.empty(n_lines, dtype=np.int64)
    starts[0] = 0
    starts[1:] = nl + 1
    cls = _CLASS[buf]
    word = (cls & 1) == 0
    token_start = word.copy()
    token_start[1:] &= ~word[:-1]
    first_of_token = np.flatnonzero(token_start)
    n_tokens = np.bincount(np.searchsorted(nl, first_of_token), minlength=n_lines)
    has_bad = np.zeros(n_lines, dtype=bool)
    has_bad[np.searchsorted(nl, np.flatnonzero(cls == _BAD))] = True
    tokens_before = np.zeros(n_lines, dtype=np.int64)
    np.cumsum(n_tokens[:-1], out=tokens_before[1:])
    has_token = n_tokens > 0
    first_char = np.zeros(n_lines, dtype=np.uint8)
    first_char[has_token] = buf[first_of_token[tokens_before[has_token]]]

    # candidates: a fast-path letter in column 1, four tokens, nothing special
    col1 = np.zeros(n_lines, dtype=np.uint8)
    nonempty = starts < np.append(nl, size)
    col1[nonempty] = buf[starts[nonempty]]
    plain = _BULK_FIRST[col1] & (n_tokens == 4) & ~has_bad
    if has_title:
        plain[0] = False
    if not plain.any():
        return []

    # a line that might continue the card before it (a '+' line, or anything that does not
    # plainly start a card or a '*' comment) makes that card not plain
    skip = (~has_token & ~has_bad) | (first_char == _STAR)
    other = ~skip & ~_LETTER_OR_DOT[first_char]
    if has_title:
        skip[0], other[0] = True, False
    index = np.where(skip, n_lines, np.arange(n_lines))
    following = np.minimum.accumulate(index[::-1])[::-1]  # first unskipped line at or after
    continued = np.append(other, False)
    plain[:-1] &= ~continued[following[1:]]

    # blocks: .subckt/.ends, .control/.endc; nothing from .end on
    dots = np.flatnonzero(first_char == _DOT)
    if len(dots):
        depth = np.zeros(n_lines, dtype=np.int64)
        control = np.zeros(n_lines, dtype=np.int64)
        stop = n_lines
        for k in dots.tolist():
            head = lines[k].split(None, 1)[0].lower()
            if head == ".subckt":
                depth[k] += 1
            elif head == ".ends":
                depth[k] -= 1
            elif head == ".control":
                control[k] += 1
            elif head == ".endc":
                control[k] -= 1
            elif head == ".end":
                stop = k
                break
        plain &= (np.cumsum(depth) == 0) & (np.cumsum(control) == 0)
        plain[stop:] = False

    where = np.flatnonzero(plain)
    if len(where) == 0:
        return []
    letter = col1[where] | 0x20  # lower case
    breaks = np.flatnonzero((np.diff(where) != 1) | (letter[1:] != letter[:-1]))
    run_starts = np.concatenate([where[:1], where[breaks + 1]])
    run_stops = np.concatenate([where[breaks], where[-1:]]) + 1
    return list(zip(run_starts.tolist(), run_stops.tolist(), strict=True))


def _values(tokens: list[str]) -> np.ndarray:
    """Values of the value tokens; NaN where :func:`parse_number` (with the elaborator's check
    of what follows the number) does not read a number."""
    if "_" not in " ".join(tokens):  # float() reads '1_0' as 10; SPICE does not
        try:
            return np.array(list(map(float, tokens)), dtype=np.float64)
        except ValueError:
            pass
    values = np.empty(len(tokens))
    cache: dict[str, float] = {}
    for k, tok in enumerate(tokens):
        v = cache.get(tok)
        if v is None:
            v = parse_number(tok)
            if v is None or bad_tail(tok) is not None:
                v = np.nan
            cache[tok] = v
        values[k] = v
    return values


def read_run(lines: list[str], start: int, stop: int,
             file: str) -> list[tuple[int, int, ElementBlock | None]]:
    """The blocks of the plain run ``lines[start:stop]`` (one kind), split around the lines
    whose values the fast path declines.

    Returns ``(first, stop, block)`` pieces (0-based line indices) in line order; ``block`` is
    None for declined lines (they are read as ordinary cards).
    """
    flat = "\n".join(lines[start:stop]).lower().split()
    names = flat[0::4]
    letter = names[0][0]
    values = _values(flat[3::4])
    ok = np.abs(values) <= 1e30  # also False for NaN and infinity
    if letter == "r":
        ok &= values != 0.0
    cuts = np.flatnonzero(ok[1:] != ok[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(names)]
    out: list[tuple[int, int, ElementBlock | None]] = []
    for k, j in itertools.pairwise(bounds):
        if not ok[k]:
            out.append((start + k, start + j, None))
            continue
        nodes: list[str] = [""] * (2 * (j - k))
        nodes[0::2] = flat[4 * k + 1 : 4 * j : 4]
        nodes[1::2] = flat[4 * k + 2 : 4 * j : 4]
        block = ElementBlock(letter, names[k:j], nodes, values[k:j],
                             np.arange(start + k + 1, start + j + 1, dtype=np.int64), file, lines)
        out.append((start + k, start + j, block))
    return out


def expand_blocks(cards: list[Card]) -> list[Card]:
    """``cards`` with every bulk card replaced by the ordinary cards of its lines (for places
    that read cards one by one, such as a subcircuit body)."""
    if not any(c.bulk is not None for c in cards):
        return cards
    out: list[Card] = []
    for c in cards:
        if c.bulk is None:
            out.append(c)
        else:
            out.extend(c.bulk.card(k) for k in range(len(c.bulk)))
    return out
