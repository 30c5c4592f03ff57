"""Physical lines -> logical cards with tokens and source locations.

Owns the ngspice lexical rules: the title line, ``*`` comment lines, ``;`` and ``$`` inline comments,
``+`` continuation lines (a continued card reports its first physical line; its text is the joined
logical card, so a caret can point into any part of it), case folding is left to the parser.
Tokens are plain strings; columns are computed lazily when an error needs them, so that reading
a 500k-line crossbar deck stays cheap.

Files must be UTF-8 text (an optional byte-order mark is dropped); NUL bytes and invalid UTF-8
are reported with the line and column of the first offending byte. Lines end at ``\\n``,
``\\r\\n`` or ``\\r`` only (not at form feeds or Unicode line separators, which editors do not
count as line breaks).

Imports only :mod:`xbar.errors`, :mod:`xbar.limits` (the file-size limit) and the fast path for
plain element lines (:mod:`xbar.netlist.bulk`).
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from xbar.errors import LimitError, NetlistError, SourceLocation, warn
from xbar.netlist.bulk import ElementBlock, plain_runs, read_run

__all__ = ["Card", "check_text", "decode_lines", "read_lines", "scan", "split_logical", "tokenize"]

_SPECIAL = frozenset("{}'=(),\"")
# One token: '=', a parenthesis or comma (separators: checked for balance, then dropped), a
# quoted expression, a double-quoted string, a run of ordinary characters, or the start of a
# brace expression (nesting handled by _scan_brace).
_TOKEN_RE = re.compile(
    r"""\s*(?:(?P<eq>=)|(?P<open>\()|(?P<close>\))|(?P<comma>,)|(?P<sq>'[^']*')|(?P<dq>"[^"]*")"""
    r"""|(?P<word>[^\s=(),{}'"]+)|(?P<brace>\{))"""
)
_WORDS_RE = re.compile(r"\S+")
_PLAIN_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.")
# leading characters ngspice turns into a comment line (inpcom.c, "Unusual leading characters")
_UNUSUAL_LEADING = frozenset('=[]?()&%"!:,\f')
_NO_CARD = "expected an element card (R1 a b 1k) or a dot-card (.op)"
# files shorter than this are read card by card (the fast path's numpy passes cost more)
_BULK_MIN_LINES = 200


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
        act as separators and are dropped (after a balance check). Lines of ``.control``
        blocks are split at white space only (see :func:`split_logical`).
    bulk : ElementBlock or None
        For a run of plain element lines read by the fast path (:mod:`xbar.netlist.bulk`): the
        whole run as columns. ``text`` and ``tokens`` are then those of its first line, so
        the card reads as an ordinary element card to everything but the elaborator.
    """

    file: str
    line: int
    text: str
    tokens: list[str] = field(default_factory=list)
    bulk: ElementBlock | None = None

    def location(self, col: int = 1) -> SourceLocation:
        """Location of column ``col`` of this card (1-based, in the logical text)."""
        text = self.text
        if not text.isprintable():  # control characters would garble the echoed line
            text = _printable(text)
        return SourceLocation(self.file, self.line, col, text)

    def token_location(self, index: int) -> SourceLocation:
        """Location of token ``index`` (clamped to just past the end of the card)."""
        cols = token_columns(self.text)
        if not cols:
            return self.location(1)
        if index >= len(cols):
            return self.location(len(self.text.rstrip()) + 1)
        return self.location(cols[max(index, 0)])

    def error(self, message: str, index: int | None = None) -> NetlistError:
        """Build a :class:`NetlistError` pointing at token ``index`` (or the card's first token)."""
        loc = self.token_location(0 if index is None else index)
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

    Raises :class:`NetlistError` for unbalanced braces or parentheses and unterminated quotes.

    Examples
    --------
    >>> tokenize("V1 in 0 PULSE(0 1 1n)")
    ['V1', 'in', '0', 'PULSE', '0', '1', '1n']
    >>> tokenize("R1 a b {2*(r0+1k)} tc=0")
    ['R1', 'a', 'b', '{2*(r0+1k)}', 'tc', '=', '0']
    """
    if _SPECIAL.isdisjoint(text):
        return text.split()
    return [tok for tok, _, _ in scan(text, file, line)]


def scan(text: str, file: str = "<netlist>", line: int = 0) -> list[tuple[str, int, int]]:
    """Tokens of ``text`` with their 1-based columns and parenthesis groups.

    The group is 0 for a token outside parentheses and ``k`` for a token inside the ``k``-th
    top-level parenthesised group of the card (so ``PULSE(0 1) 2`` tells the ``2`` apart).

    Examples
    --------
    >>> scan("V1 a 0 SIN(0 1) 2")
    [('V1', 1, 0), ('a', 4, 0), ('0', 6, 0), ('SIN', 8, 0), ('0', 12, 1), ('1', 14, 1), ('2', 17, 0)]
    """
    out: list[tuple[str, int, int]] = []
    pos = 0
    n = len(text)
    opens: list[int] = []
    group = 0
    match = _TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            rest = text[pos:].lstrip()
            if not rest:
                break
            at = n - len(rest)
            ch = rest[0]
            if ch == "}":
                msg = "unbalanced '}': no matching '{' before it"
            elif ch in "'\"":
                msg = f"unterminated quote: {ch} has no closing {ch}"
            else:  # pragma: no cover - the word pattern accepts everything else
                msg = f"cannot read {rest[:20]!r}"
            raise NetlistError(msg, SourceLocation(file, line, at + 1, text))
        kind = m.lastgroup
        if kind is None:  # only white space left
            break
        start = m.start(kind)
        depth = len(opens)
        if kind == "open":
            if not opens:
                group += 1
            opens.append(start)
        elif kind == "close":
            if not opens:
                loc = SourceLocation(file, line, start + 1, text)
                raise NetlistError("unbalanced ')': no matching '(' before it", loc)
            opens.pop()
        elif kind == "brace":
            end = _scan_brace(text, start, line, file)
            out.append((text[start:end], start + 1, group if depth else 0))
            pos = end
            continue
        elif kind != "comma":
            out.append((m.group(kind), start + 1, group if depth else 0))
        pos = m.end()
    if opens:
        loc = SourceLocation(file, line, opens[-1] + 1, text)
        raise NetlistError("unbalanced '(': no closing ')'", loc)
    return out


def token_columns(text: str) -> list[int]:
    """1-based columns of the tokens :func:`tokenize` returns for ``text`` ([] if unreadable)."""
    if _SPECIAL.isdisjoint(text):
        return [m.start() + 1 for m in _WORDS_RE.finditer(text)]
    try:
        return [col for _, col, _ in scan(text, "", 0)]
    except NetlistError:
        return []


def _position(text: str, index: int) -> tuple[int, int, str]:
    """1-based line and column of character ``index`` of ``text``, and that line's text."""
    prefix = text[:index]
    if "\r" in prefix:
        prefix = prefix.replace("\r\n", "\n").replace("\r", "\n")
    line = prefix.count("\n") + 1
    line_start = max(text.rfind("\n", 0, index), text.rfind("\r", 0, index)) + 1
    end = len(text)
    for sep in "\n\r":
        k = text.find(sep, index)
        if k >= 0:
            end = min(end, k)
    return line, index - line_start + 1, text[line_start:end]


def _printable(line: str) -> str:
    """A line with control characters shown as ``?`` (for echoing unreadable input)."""
    return "".join(ch if ch.isprintable() or ch == "\t" else "?" for ch in line)


def check_text(text: str, file: str) -> None:
    """Reject text with NUL characters (a binary file), pointing at the first one."""
    nul = text.find("\x00")
    if nul >= 0:
        line, col, line_text = _position(text, nul)
        raise NetlistError(
            "binary data (NUL byte) in the netlist; expected a text file",
            SourceLocation(file, line, col, _printable(line_text)[:200]),
        )


def split_text_lines(text: str) -> list[str]:
    """Physical lines of ``text`` (``\\n``, ``\\r\\n`` and ``\\r`` end a line)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def decode_lines(data: bytes, file: str) -> list[str]:
    """Decode a netlist file's bytes (UTF-8) into physical lines.

    Raises
    ------
    NetlistError
        For NUL bytes (a binary file) or bytes that are not UTF-8, at the first offending byte.
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        check_text(data[: nul + 1].decode("utf-8", errors="replace"), file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        bad = data[exc.start : exc.end]
        line, col, _ = _position(prefix + "\ufffd", len(prefix))
        whole = data.decode("utf-8", errors="replace")
        _, _, line_text = _position(whole, len(prefix))
        raise NetlistError(
            f"the file is not UTF-8 text (byte {' '.join(f'0x{b:02x}' for b in bad)}); "
            "save it as UTF-8",
            SourceLocation(file, line, col, _printable(line_text)[:200]),
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return split_text_lines(text)


def read_lines(path: Path, *, location: SourceLocation | None = None) -> list[str]:
    """Read a netlist file as text lines; unreadable files raise :class:`NetlistError`.

    ``location`` (the ``.include`` card, if any) is attached to errors about the file as a
    whole (missing, a directory, a device or pipe, larger than the ``max_file_size`` limit,
    unreadable); errors about its contents point into the file. Nothing beyond the limit is
    read, whatever the file claims its size is.
    """
    from xbar.limits import format_bytes, get_limits

    limit = get_limits().max_file_size
    too_big = (f"'{path}' is larger than the limit max_file_size = {format_bytes(limit)} for a netlist file "
               "(raise it with xbar.set_limits(max_file_size=...) or XBAR_MAX_FILE_SIZE)")
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise NetlistError(f"'{path}' is not a regular file (a device, pipe or socket); expected a "
                               "netlist file", location)
        if info.st_size > limit:
            raise LimitError(too_big, location, requested=float(info.st_size), limit=float(limit),
                             option="max_file_size")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise LimitError(too_big, location, requested=float(len(data)), limit=float(limit),
                             option="max_file_size")
    except NetlistError:
        raise
    except FileNotFoundError:
        raise NetlistError(f"file not found: '{path}'", location) from None
    except IsADirectoryError:
        raise NetlistError(f"'{path}' is a directory, expected a netlist file", location) from None
    except PermissionError:
        raise NetlistError(f"cannot read '{path}': permission denied", location) from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise NetlistError(f"cannot read '{path}': {reason}", location) from None
    except ValueError as exc:  # e.g. an embedded NUL in the path
        raise NetlistError(f"cannot read '{path}': {exc}", location) from None
    return decode_lines(data, str(path))


def _strip_inline_comment(line: str) -> str:
    cut = line.find(";")
    if cut >= 0:
        line = line[:cut]
    if "$" in line:
        # ngspice: '$' starts a comment at the line start or after white space
        for i, ch in enumerate(line):
            if ch == "$" and (i == 0 or line[i - 1] == " "):
                line = line[:i]
                break
    return line


def _without_parentheses(text: str) -> str:
    """``text`` with the parentheses outside braces and quotes replaced by blanks (so columns
    stay exact); they only separate words on a ``.model`` card."""
    out = []
    depth = 0
    quote = ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch in "()" and depth == 0:
            ch = " "
        out.append(ch)
    return "".join(out)


def _strip_control_comment(line: str) -> str:
    """Inline comments of a control-language line: ``;`` anywhere, ``$`` only as a word of its
    own (``$ note``), since ``$var`` and ``$&vec`` are substitutions there."""
    cut = line.find(";")
    if cut >= 0:
        line = line[:cut]
    for i, ch in enumerate(line):
        if ch == "$" and (i == 0 or line[i - 1] in " \t") and (i + 1 == len(line) or line[i + 1] in " \t"):
            return line[:i]
    return line


def _word(line: str) -> str:
    parts = line.split(None, 1)
    return parts[0].lower() if parts else ""


def split_logical(lines: list[str], file: str, *, has_title: bool,
                  control: list[Card] | None = None) -> tuple[str | None, list[Card]]:
    """Join continuation lines, drop comments and tokenise.

    Parameters
    ----------
    lines : list of str
        Physical lines of one file.
    file : str
        Name used in locations.
    has_title : bool
        True for the top-level deck, whose first line is the title whatever it holds.
    control : list of Card or None
        When given (the top-level deck), the lines of ``.control`` … ``.endc`` blocks go here
        instead of into the cards: split at white space only, with the control language's
        comment rules (``;`` and a lone `` $ `` start a comment; ``$var`` is kept), never
        tokenised as netlist cards.

    Returns
    -------
    title, cards
        The title (None when ``has_title`` is False) and the logical cards, tokenised.

    Raises
    ------
    NetlistError
        For a ``+`` line with no card before it, unbalanced braces or parentheses,
        unterminated quotes, a line with no token (such as ``( )``), and (with ``control``)
        a ``.control`` without ``.endc`` or an ``.endc`` without ``.control``.
    """
    title: str | None = None
    start = 0
    if has_title:
        title = lines[0].strip() if lines else ""
        start = 1
    cards: list[Card] = []
    current: Card | None = None
    plain = _PLAIN_START
    n_lines = len(lines)
    idx = start
    runs = dict(plain_runs(lines, has_title=has_title)) if n_lines >= _BULK_MIN_LINES else {}
    while idx < n_lines:
        if runs:
            stop = runs.get(idx)
            if stop is not None:
                for first, last, block in read_run(lines, idx, stop, file):
                    if block is None:  # declined values: ordinary cards
                        cards.extend(Card(file, k + 1, lines[k].rstrip()) for k in range(first, last))
                    else:
                        text = lines[first].rstrip()
                        cards.append(Card(file, first + 1, text, text.split(), block))
                current = cards[-1]
                idx = stop
                continue
        raw = lines[idx]
        idx += 1
        # fast path: a card starting in column 1 with no tab and no comment character
        if raw and raw[0] in plain and "\t" not in raw and ";" not in raw and "$" not in raw:
            if raw[0] == "." and control is not None and _word(raw) in (".control", ".endc"):
                current, idx = _control_block(lines, idx - 1, file, control)
                continue
            current = Card(file, idx, raw.rstrip())
            cards.append(current)
            continue
        if "\t" in raw:
            raw = raw.replace("\t", " ")
        stripped = raw.lstrip()
        if not stripped:
            continue
        first = stripped[0]
        if first == "*":
            continue
        if first in _UNUSUAL_LEADING:
            # ngspice replaces such lines by comments (with a warning): a ')' closing a
            # '.model (' on a line of its own is the usual case
            warn(f"line starting with '{first}' ignored (ngspice reads it as a comment)",
                 SourceLocation(file, idx, len(raw) - len(stripped) + 1, raw.rstrip()))
            continue
        if first == "." and control is not None and _word(stripped) in (".control", ".endc"):
            current, idx = _control_block(lines, idx - 1, file, control)
            continue
        if first == "+":
            if current is None:
                loc = SourceLocation(file, idx, len(raw) - len(stripped) + 1, raw.rstrip())
                raise NetlistError(
                    "continuation line '+' with no card before it (a '+' line continues the "
                    "card above it)",
                    loc,
                )
            body = _strip_inline_comment(stripped[1:]).strip()
            if body:
                current.text = current.text + " " + body
            continue
        if ";" in raw or "$" in raw:
            body = _strip_inline_comment(raw).rstrip()
            if not body.strip():
                continue
        else:
            body = raw.rstrip()
        current = Card(file, idx, body)
        cards.append(current)
    for card in cards:
        if card.tokens:
            continue  # a bulk card (tokens of its first line)
        text = card.text
        if _SPECIAL.isdisjoint(text):
            toks = text.split()
        else:
            try:
                toks = tokenize(text, file, card.line)
            except NetlistError as exc:
                # ngspice reads .model cards whatever their parentheses: '(is=1e-14' works
                if not (text.lstrip()[:6].lower() == ".model" and "unbalanced '" in exc.message
                        and ("')'" in exc.message or "'('" in exc.message)):
                    raise
                card.text = text = _without_parentheses(text)
                toks = tokenize(text, file, card.line)
        if not toks:
            col = len(text) - len(text.lstrip()) + 1
            raise NetlistError(f"cannot read this line; {_NO_CARD}", card.location(col))
        card.tokens = toks
    return title, cards


def _control_block(lines: list[str], idx: int, file: str, control: list[Card]) -> tuple[None, int]:
    """Read the ``.control`` block starting at line ``idx`` into ``control``; return the index
    of the line after its ``.endc`` (a ``+`` line after the block continues nothing)."""
    head = lines[idx].replace("\t", " ").strip()
    opened = Card(file, idx + 1, head, head.split())
    if opened.tokens[0].lower() == ".endc":
        raise opened.error("'.endc' without a matching '.control'", 0)
    if len(opened.tokens) > 1:
        raise opened.error(f"unexpected '{opened.tokens[1]}' after '.control'", 1)
    current: Card | None = None
    k = idx + 1
    while k < len(lines):
        stripped = lines[k].replace("\t", " ").strip()
        k += 1
        word = _word(stripped)
        if word == ".endc":
            return None, k
        if word in (".end", ".control"):
            break
        if not stripped or stripped[0] == "*":
            continue
        if stripped[0] == "+" and current is not None:
            body = _strip_control_comment(stripped[1:]).strip()
            if body:
                current.text = current.text + " " + body
                current.tokens = current.text.split()
            continue
        body = _strip_control_comment(stripped).strip()
        if body:
            current = Card(file, k, body, body.split())
            control.append(current)
    raise opened.error("'.control' has no matching '.endc'", 0)
