"""Physical lines -> logical cards with tokens and source locations.

Owns the ngspice lexical rules: the title line, ``*`` comment lines, ``;`` and ``$`` inline comments,
``+`` continuation lines (a continued card reports its first physical line), case folding is left to
the parser. Tokens are plain strings; columns are computed lazily when an error needs them, so that
reading a 500k-line crossbar deck stays cheap.

Imports only :mod:`xbar.errors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xbar.errors import NetlistError, SourceLocation

__all__ = ["Card", "read_lines", "split_logical", "tokenize"]

_SPECIAL = frozenset("{}'=(),\"")
# One token: a brace expression (nesting handled by _scan_brace), a quoted expression,
# a double-quoted string, '=', or a run of ordinary characters.
_TOKEN_RE = re.compile(r"""\s*(?:(?P<eq>=)|(?P<sep>[(),])|(?P<sq>'[^']*')|(?P<dq>"[^"]*")|(?P<word>[^\s=(),{}'"]+)|(?P<brace>\{))""")


@dataclass(slots=True)
class Card:
    """One logical line of a netlist.

    Attributes
    ----------
    file : str
        File the card was read from (as given, for messages).
    line : int
        1-based number of the card's first physical line.
    text : str
        The logical line, continuation lines joined with a space, comments removed.
    tokens : list of str
        Tokens: words, ``=``, ``{expr}`` and ``'expr'`` groups kept whole; ``(``, ``)`` and ``,``
        act as separators and are dropped.
    """

    file: str
    line: int
    text: str
    tokens: list[str] = field(default_factory=list)

    def location(self, col: int = 1) -> SourceLocation:
        """Location of column ``col`` of this card (1-based, in the logical text)."""
        return SourceLocation(self.file, self.line, col, self.text)

    def token_location(self, index: int) -> SourceLocation:
        """Location of token ``index`` (clamped to the end of the card)."""
        cols = token_columns(self.text)
        if not cols:
            return self.location(1)
        if index >= len(cols):
            return self.location(len(self.text.rstrip()) + 1)
        return self.location(cols[max(index, 0)])

    def error(self, message: str, index: int | None = None) -> NetlistError:
        """Build a :class:`NetlistError` pointing at token ``index`` (or the card start)."""
        loc = self.location(1) if index is None else self.token_location(index)
        return NetlistError(message, loc)


def _scan_brace(text: str, start: int, card_line: int, file: str) -> int:
    """Return the index just past the ``}`` matching the ``{`` at ``start``."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    loc = SourceLocation(file, card_line, start + 1, text)
    raise NetlistError("unbalanced '{': expression has no closing '}'", loc)


def tokenize(text: str, file: str = "<netlist>", line: int = 0) -> list[str]:
    """Split a logical line into tokens (see :class:`Card`).

    Examples
    --------
    >>> tokenize("V1 in 0 PULSE(0 1 1n) ; comment gone earlier")
    ['V1', 'in', '0', 'PULSE', '0', '1', '1n', ';', 'comment', 'gone', 'earlier']
    >>> tokenize("R1 a b {2*(r0+1k)} tc=0")
    ['R1', 'a', 'b', '{2*(r0+1k)}', 'tc', '=', '0']
    """
    if not any(ch in _SPECIAL for ch in text):
        return text.split()
    return [tok for tok, _ in _tokenize_with_cols(text, file, line)]


def _tokenize_with_cols(text: str, file: str, line: int) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    pos = 0
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            rest = text[pos:].strip()
            if not rest:
                break
            if rest[0] == "}":
                col = text.index("}", pos) + 1
                raise NetlistError("unbalanced '}': no matching '{'", SourceLocation(file, line, col, text))
            if rest[0] in "'\"":
                col = text.index(rest[0], pos) + 1
                raise NetlistError(f"unterminated quote {rest[0]}", SourceLocation(file, line, col, text))
            raise NetlistError(f"cannot read {rest[:20]!r}", SourceLocation(file, line, pos + 1, text))
        kind = m.lastgroup
        start = m.start(kind) if kind else m.end()
        if kind == "brace":
            end = _scan_brace(text, start, line, file)
            out.append((text[start:end], start + 1))
            pos = end
            continue
        if kind is None:
            break
        if kind != "sep":
            out.append((m.group(kind), start + 1))
        pos = m.end()
    return out


def token_columns(text: str) -> list[int]:
    """1-based columns of the tokens :func:`tokenize` returns for ``text``."""
    if not any(ch in _SPECIAL for ch in text):
        return [m.start() + 1 for m in re.finditer(r"\S+", text)]
    try:
        return [col for _, col in _tokenize_with_cols(text, "", 0)]
    except NetlistError:
        return []


def read_lines(path: Path, *, location: SourceLocation | None = None) -> list[str]:
    """Read a netlist file as text lines; unreadable files raise :class:`NetlistError`."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NetlistError(f"file not found: '{path}'", location) from None
    except IsADirectoryError:
        raise NetlistError(f"'{path}' is a directory, expected a netlist file", location) from None
    except OSError as exc:
        raise NetlistError(f"cannot read '{path}': {exc.strerror}", location) from None
    if b"\x00" in data:
        raise NetlistError(f"'{path}' is a binary file (NUL bytes), expected a text netlist", location)
    text = data.decode("utf-8", errors="replace")
    return text.splitlines()


def _strip_inline_comment(line: str) -> str:
    cut = line.find(";")
    if cut >= 0:
        line = line[:cut]
    if "$" in line:
        # ngspice: '$' starts a comment at the line start or after white space
        for i, ch in enumerate(line):
            if ch == "$" and (i == 0 or line[i - 1] in " \t"):
                line = line[:i]
                break
    return line


def split_logical(lines: list[str], file: str, *, has_title: bool) -> tuple[str | None, list[Card]]:
    """Join continuation lines and drop comments.

    Parameters
    ----------
    lines : list of str
        Physical lines of one file.
    file : str
        Name used in locations.
    has_title : bool
        True for the top-level deck, whose first line is the title whatever it holds.

    Returns
    -------
    title, cards
        The title (None when ``has_title`` is False) and the logical cards, tokenised.
    """
    title: str | None = None
    start = 0
    if has_title:
        title = lines[0].strip() if lines else ""
        start = 1
    cards: list[Card] = []
    current: Card | None = None
    for idx in range(start, len(lines)):
        raw = lines[idx]
        if "\t" in raw:
            raw = raw.replace("\t", " ")
        stripped = raw.lstrip()
        if not stripped or stripped[0] == "*":
            continue
        if stripped[0] == "+":
            body = _strip_inline_comment(stripped[1:])
            if current is None:
                loc = SourceLocation(file, idx + 1, 1, raw)
                raise NetlistError("continuation line '+' with no card before it", loc)
            current.text = current.text + " " + body.strip()
            continue
        body = _strip_inline_comment(raw).rstrip()
        if not body.strip():
            continue
        current = Card(file, idx + 1, body)
        cards.append(current)
    for card in cards:
        card.tokens = tokenize(card.text, card.file, card.line)
    return title, cards
