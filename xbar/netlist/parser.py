"""Cards -> deck structure: includes, libraries, subcircuit definitions, dot-cards.

The parser resolves ``.include`` and ``.lib`` (relative to the including file, with cycle
detection), splits ``.subckt``/``.ends`` blocks (nested definitions allowed), and sorts the
remaining cards into element cards and control cards. It does not evaluate values: that is
:mod:`xbar.netlist.elaborate`'s job, which needs parameter scopes.

Anything outside the supported dialect is rejected with ``file:line:col: not supported: <card>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from xbar.errors import NetlistError, SourceLocation
from xbar.netlist.bulk import expand_blocks
from xbar.netlist.lexer import Card, check_text, read_lines, split_logical, split_text_lines
from xbar.reprs import short_repr

__all__ = ["Deck", "SubcktDef", "parse_file", "parse_text"]

ELEMENT_LETTERS = frozenset("rclviefghxdyb")
# MOSFETs, bipolar transistors and coupled inductors (xbar.devices.mosfet, .bjt, .linear)
ELEMENT_LETTERS = ELEMENT_LETTERS | frozenset("mqk")
_ELEMENT_FIRST = ELEMENT_LETTERS | frozenset(c.upper() for c in ELEMENT_LETTERS)
GROUND = frozenset({"0", "gnd"})

# dot-cards handled by the elaborator (after include/lib/subckt processing here)
CONTROL_CARDS = frozenset(
    {
        ".param", ".model", ".options", ".option", ".opt", ".ic", ".nodeset", ".op", ".dc",
        ".tran", ".print", ".save", ".probe", ".end", ".title", ".temp", ".func", ".global",
        ".global_param", ".meas", ".measure",
    }
) | frozenset({".ac", ".plot", ".csparam"})
# control cards that make no sense inside a subcircuit definition
_TOP_LEVEL_ONLY = frozenset(
    {
        ".op", ".dc", ".tran", ".options", ".option", ".opt", ".print", ".save", ".probe", ".ic",
        ".nodeset", ".title", ".temp", ".global", ".global_param", ".meas", ".measure",
    }
) | frozenset({".ac", ".plot", ".csparam"})
UNSUPPORTED_HINTS = {
    ".noise": ".noise analysis is not supported",
    ".tf": ".tf analysis is not supported",
    ".sens": ".sens analysis is not supported",
    ".pz": ".pz analysis is not supported",
    ".disto": ".disto analysis is not supported",
    ".four": ".four is not supported",
    ".control": "a .control block is read from the top-level deck only, not from an included file",
    ".endc": "a .control block is read from the top-level deck only, not from an included file",
    ".width": ".width is not supported",
    ".if": "conditional netlists (.if/.else/.endif) are not supported",
    ".else": "conditional netlists (.if/.else/.endif) are not supported",
    ".elseif": "conditional netlists (.if/.else/.endif) are not supported",
    ".endif": "conditional netlists (.if/.else/.endif) are not supported",
}
# SPICE element letters this build does not implement
_UNSUPPORTED_ELEMENTS = {
    "a": "XSPICE code models, digital and mixed-signal", "j": "JFETs",
    "n": "OSDI/Verilog-A devices", "o": "lossy transmission lines",
    "p": "coupled multiconductor lines", "s": "voltage switches",
    "t": "transmission lines", "u": "uniform RC lines", "w": "current switches", "z": "MESFETs",
}
_LETTERS_TEXT = " ".join(sorted(c.upper() for c in ELEMENT_LETTERS))
_MAX_NESTING = 64
_IDENT = re.compile(r"[a-z_][a-z0-9_]*\Z")
_SUBCKT_FORM = "expected '.subckt <name> <ports...> [params: name=value ...]'"


@dataclass
class SubcktDef:
    """A ``.subckt`` definition: ports, parameter defaults and body cards.

    ``params`` holds ``(name, value token, card, token index)`` per default, in card order.
    """

    __repr__ = short_repr

    name: str
    ports: list[str]
    params: list[tuple[str, str, Card, int]]
    cards: list[Card]
    subckts: dict[str, SubcktDef]
    card: Card


@dataclass
class Deck:
    """A parsed deck: title, top-level cards and subcircuit definitions."""

    __repr__ = short_repr

    title: str
    file: str
    cards: list[Card] = field(default_factory=list)
    subckts: dict[str, SubcktDef] = field(default_factory=dict)
    control: list[Card] = field(default_factory=list)
    """Lines of the ``.control`` … ``.endc`` blocks, in order (see :mod:`xbar.netlist.control`)."""


# The chain of files being read, outermost first: (resolved path, name for messages).
_Stack = tuple[tuple[str, str], ...]


def _resolve(path: Path, location: SourceLocation | None) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # symlink loops, bad names
        raise NetlistError(f"cannot read '{path}': {exc}", location) from None


def parse_file(path: str | Path) -> Deck:
    """Read and parse a netlist file.

    Parameters
    ----------
    path : str or Path
        The deck; its first line is the title.

    Returns
    -------
    Deck

    Raises
    ------
    NetlistError
        Missing or unreadable file, empty file, malformed card (with its location).
    """
    p = Path(path)
    lines = read_lines(p)
    resolved = _resolve(p, None)
    return _parse(lines, str(path), p.parent, ((str(resolved), str(path)),))


def parse_text(text: str, *, name: str = "<netlist>", base_dir: str | Path = ".") -> Deck:
    """Parse netlist text (first line is the title); includes resolve against ``base_dir``.

    Examples
    --------
    >>> deck = parse_text("title\\nR1 a 0 1k\\n.op\\n")
    >>> deck.title, [c.tokens for c in deck.cards]
    ('title', [['R1', 'a', '0', '1k'], ['.op']])
    """
    check_text(text, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    return _parse(split_text_lines(text), name, Path(base_dir), ())


def _parse(lines: list[str], file: str, base: Path, stack: _Stack) -> Deck:
    if not any(line.strip() for line in lines):
        raise NetlistError(
            "the netlist is empty; expected a title line, then element and analysis cards",
            SourceLocation(file, 1, 1, ""),
        )
    control: list[Card] = []
    title, cards = split_logical(lines, file, has_title=True, control=control)
    cards = _expand_includes(cards, base, stack)
    top, subckts = _split_subckts(cards, None)
    return Deck(title=title or "", file=file, cards=top, subckts=subckts, control=control)


def _path_token(card: Card, index: int, what: str, form: str) -> str:
    if len(card.tokens) <= index:
        raise card.error(f"{what} needs a file name; {form}", index)
    tok = card.tokens[index]
    if len(tok) >= 2 and tok[0] in "\"'" and tok[-1] == tok[0]:
        tok = tok[1:-1]
    if not tok or tok == "=" or tok[0] == "{":
        raise card.error(f"expected a file name, got '{card.tokens[index]}'; {form}", index)
    return tok


def _expand_includes(cards: list[Card], base: Path, stack: _Stack) -> list[Card]:
    out: list[Card] = []
    for card in cards:
        tok = card.tokens[0]
        if tok[0] != ".":
            out.append(card)
            continue
        head = tok.lower()
        if head in (".include", ".inc"):
            form = "expected '.include <file>'"
            rel = _path_token(card, 1, ".include", form)
            if len(card.tokens) > 2:
                raise card.error(f"unexpected '{card.tokens[2]}' after the file name; {form}", 2)
            out.extend(_include(card, base / rel, stack, section=None))
        elif head == ".lib":
            if len(card.tokens) == 2:
                # '.lib name' inside a library file marks a section start: handled by _select_section
                out.append(card)
                continue
            form = "expected '.lib <file> <section>'"
            rel = _path_token(card, 1, ".lib", form)
            if len(card.tokens) < 3:
                raise card.error(f"'.lib' needs a section name; {form}", 2)
            if len(card.tokens) > 3:
                raise card.error(f"unexpected '{card.tokens[3]}' after the section name; {form}", 3)
            out.extend(_include(card, base / rel, stack, section=card.tokens[2].lower()))
        else:
            out.append(card)
    return out


def _include(card: Card, path: Path, stack: _Stack, section: str | None) -> list[Card]:
    loc = card.token_location(1)
    if not path.exists():
        from xbar.devices.cards import shipped_fallback

        path = shipped_fallback(Path(card.tokens[1].strip("\"'"))) or path  # '.include kumar2024_sot.lib' anywhere
    resolved_path = _resolve(path, loc)
    resolved = str(resolved_path)
    if len(stack) >= _MAX_NESTING:
        raise card.error(f"includes nested deeper than {_MAX_NESTING} files", 1)
    key = resolved if section is None else f"{resolved}\0{section}"
    if any(r == key for r, _ in stack):
        chain = " -> ".join([name for _, name in stack] + [str(path)])
        what = f"'{path}'" if section is None else f"section '{section}' of '{path}'"
        raise card.error(f"include cycle: {what} is already being read ({chain})", 1)
    lines = read_lines(path, location=loc)
    _, cards = split_logical(lines, str(path), has_title=False)
    for k, c in enumerate(cards):
        if c.tokens[0].lower() == ".end":
            cards = cards[:k]  # ngspice: '.end' ends the included file
            break
    if section is not None:
        cards = _select_section(cards, section, card, path)
    # file names in messages stay as the user wrote them (relative paths stay relative); a
    # library section may read another section of its own file ('.lib same.lib other')
    return _expand_includes(cards, path.parent, (*stack, (key, str(path))))


def _select_section(cards: list[Card], section: str, card: Card, path: Path) -> list[Card]:
    out: list[Card] = []
    inside = False
    found = False
    names: list[str] = []
    for c in cards:
        head = c.tokens[0].lower()
        if head == ".lib" and len(c.tokens) == 2:
            if inside:
                raise c.error(f"'.lib {c.tokens[1]}' starts a section inside another section "
                              "(missing '.endl'?)", 0)
            names.append(c.tokens[1])
            inside = c.tokens[1].lower() == section
            if inside and found:
                raise c.error(f"library section '{c.tokens[1]}' is defined twice", 1)
            found = found or inside
            continue
        if head == ".endl":
            inside = False
            continue
        if inside:
            out.append(c)
    if not found:
        known = ", ".join(names) if names else "none"
        raise card.error(f"library '{path}' has no section '{card.tokens[2]}' (sections: {known})", 2)
    return out


def _check_head(card: Card) -> str:
    """Lower-case first token of ``card``, after rejecting what the dialect does not support."""
    tok = card.tokens[0]
    head = tok.lower()
    first = head[0]
    where = f"{card.file}:{card.line}"
    if first == ".":
        if head in UNSUPPORTED_HINTS:
            raise card.error(f"not supported: {tok} at {where} ({UNSUPPORTED_HINTS[head]})", 0)
        if head not in CONTROL_CARDS:
            raise card.error(f"not supported: {tok} at {where} (unknown dot-card)", 0)
        return head
    if first in ELEMENT_LETTERS:
        return head
    if first in _UNSUPPORTED_ELEMENTS:
        raise card.error(
            f"not supported: element '{tok}' at {where} ({_UNSUPPORTED_ELEMENTS[first]}; "
            f"supported letters: {_LETTERS_TEXT})", 0)
    raise card.error(
        f"cannot read card '{tok}' at {where}: expected an element name starting with "
        f"{_LETTERS_TEXT}, or a dot-card such as .op", 0)


def _split_subckts(cards: list[Card], parent: Card | None,
                   level: int = 0) -> tuple[list[Card], dict[str, SubcktDef]]:
    top: list[Card] = []
    subckts: dict[str, SubcktDef] = {}
    i = 0
    n = len(cards)
    letters = _ELEMENT_FIRST
    while i < n:
        card = cards[i]
        tok = card.tokens[0]
        if tok[0] in letters:  # fast path: an element card
            top.append(card)
            i += 1
            continue
        head = tok.lower()
        if head == ".subckt":
            j, depth = i + 1, 1
            while j < n:
                h = cards[j].tokens[0].lower()
                if h == ".subckt":
                    depth += 1
                elif h == ".ends":
                    depth -= 1
                    if depth == 0:
                        break
                elif h == ".end" and parent is None:
                    break
                j += 1
            if j >= n or cards[j].tokens[0].lower() != ".ends":
                name = f" {card.tokens[1]}" if len(card.tokens) > 1 else ""
                raise card.error(f"'.subckt{name}' has no matching '.ends'", 0)
            if level >= _MAX_NESTING:
                raise card.error(f"'.subckt' definitions nested deeper than {_MAX_NESTING} levels", 0)
            sub = _make_subckt(card, cards[i + 1 : j], cards[j], level)
            if sub.name in subckts:
                first = subckts[sub.name].card
                raise card.error(f"duplicate subcircuit definition '{card.tokens[1]}' (first defined "
                                 f"at {first.file}:{first.line})", 1)
            subckts[sub.name] = sub
            i = j + 1
            continue
        if head == ".ends":
            raise card.error("'.ends' without a matching '.subckt'", 0)
        if head in (".lib", ".endl"):
            raise card.error(f"'{card.tokens[0]}' section marker outside a library file "
                             "(to read a library section write '.lib <file> <section>')", 0)
        head = _check_head(card)
        if head == ".end":
            if parent is not None:
                raise card.error(f"'.end' inside '.subckt {parent.tokens[1]}' (missing '.ends'?)", 0)
            break
        top.append(card)
        i += 1
    return top, subckts


def _make_subckt(card: Card, body: list[Card], ends: Card, level: int) -> SubcktDef:
    toks = card.tokens
    if len(toks) < 2 or toks[1] == "=" or toks[1][0] in "{'\"" or toks[1].lower() in ("params:", "param:"):
        raise card.error(f"'.subckt' needs a name; {_SUBCKT_FORM}", 1)
    name = toks[1].lower()
    ports: list[str] = []
    params: list[tuple[str, str, Card, int]] = []
    seen: set[str] = set()
    in_params = False
    k = 2
    while k < len(toks):
        t = toks[k]
        low = t.lower()
        if low in ("params:", "param:"):
            in_params = True
            k += 1
            continue
        if k + 1 < len(toks) and toks[k + 1] == "=":
            if k + 2 >= len(toks) or toks[k + 2] == "=":
                raise card.error(f"parameter '{t}' has no value after '='; {_SUBCKT_FORM}", k + 1)
            pname = low.split(":", 1)[1] if low.startswith(("params:", "param:")) else low
            if not _IDENT.match(pname):
                raise card.error(f"'{t}' is not a valid parameter name; {_SUBCKT_FORM}", k)
            if pname in seen:
                raise card.error(f"parameter '{pname}' given twice", k)
            seen.add(pname)
            in_params = True
            params.append((pname, toks[k + 2], card, k + 2))
            k += 3
            continue
        if t == "=":
            raise card.error(f"'=' without a parameter name; {_SUBCKT_FORM}", k)
        if in_params:
            raise card.error(f"expected 'name=value' after 'params:', got '{t}'; {_SUBCKT_FORM}", k)
        if t[0] in "{'\"":
            raise card.error(f"expected a port name, got '{t}'; {_SUBCKT_FORM}", k)
        if low in ports:
            raise card.error(f"port '{t}' is listed twice in '.subckt {toks[1]}'", k)
        ports.append(low)
        k += 1
    if len(ends.tokens) > 1 and ends.tokens[1].lower() != name:
        raise ends.error(f"'.ends {ends.tokens[1]}' closes '.subckt {toks[1]}'", 1)
    if len(ends.tokens) > 2:
        raise ends.error(f"unexpected '{ends.tokens[2]}'; expected '.ends [name]'", 2)
    # a subcircuit body is elaborated card by card, once per instance
    inner, nested = _split_subckts(expand_blocks(body), card, level + 1)
    for c in inner:
        if c.tokens[0].lower() in _TOP_LEVEL_ONLY:
            raise c.error(f"{c.tokens[0]} is not allowed inside '.subckt {toks[1]}'", 0)
    return SubcktDef(name=name, ports=ports, params=params, cards=inner, subckts=nested, card=card)
